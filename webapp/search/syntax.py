"""One query syntax for both backends: quotes for phrases, `-` to exclude, `|` or `or` for either."""

import re
from collections.abc import Callable

_PIPE = re.compile(r"\|")
_OR_WORD = re.compile(r"(?<!\S)or(?!\S)", re.IGNORECASE)


def outside_quotes(raw: str, rewrite: Callable[[str], str]) -> str:
    """Apply `rewrite` to the parts of a query that are not inside double quotes."""
    parts = raw.split('"')
    return '"'.join(rewrite(part) if i % 2 == 0 else part for i, part in enumerate(parts))


def pipes_as_or(raw: str) -> str:
    """Spell `a | b` as `a or b`, which PostgreSQL's websearch_to_tsquery reads as either word."""
    return outside_quotes(raw, lambda part: _PIPE.sub(" or ", part))


def or_as_pipes(raw: str) -> str:
    """Spell `a or b` as `a | b`, which Elasticsearch's simple_query_string reads as either word."""
    return outside_quotes(raw, lambda part: _OR_WORD.sub("|", part))
