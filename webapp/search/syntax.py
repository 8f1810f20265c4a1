"""One query syntax for both backends: quotes for phrases, `-` to exclude, `|` or `or` for either."""

import re
from collections.abc import Callable
from dataclasses import dataclass

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


# A quoted phrase (an unclosed quote runs to the end, as websearch_to_tsquery reads it), or a bare word.
_ITEM = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# A letter or digit: PostgreSQL reads `_` and punctuation as blanks, so a term of only those finds nothing.
_HAS_WORD = re.compile(r"[^\W_]")


@dataclass(frozen=True)
class Term:
    """One word or phrase of a query, and whether it is excluded (`-word`, `-"two words"`)."""

    text: str
    phrase: bool = False
    negated: bool = False

    def spelled(self) -> str:
        """Write the term back in query syntax."""
        body = f'"{self.text}"' if self.phrase else self.text
        return ("-" if self.negated else "") + body


@dataclass(frozen=True)
class Clause:
    """Terms of which at least one must be in a file; a query's clauses must all hold."""

    terms: tuple[Term, ...]

    @property
    def excluded(self) -> Term | None:
        """Return the term when the clause only says what a file must not hold."""
        return self.terms[0] if len(self.terms) == 1 and self.terms[0].negated else None

    def spelled(self, either: str) -> str:
        """Write the clause in query syntax, alternatives joined by `either` (`or` or `|`)."""
        return f" {either} ".join(term.spelled() for term in self.terms)


def clauses(raw: str) -> list[Clause]:
    """Split a query (already with `or` for `|`) into clauses: words and phrases ANDed, `or` joins neighbours."""
    groups: list[list[Term]] = []
    joined = False
    for negated, phrase, word in _ITEM.findall(raw):
        if word and word.lower() == "or":
            joined = bool(groups)
            continue
        term = _term(negated, phrase, word)
        if term is None:
            continue
        if joined:
            groups[-1].append(term)
        else:
            groups.append([term])
        joined = False
    return [Clause(tuple(group)) for group in groups]


def _term(negated: str, phrase: str, word: str) -> Term | None:
    """Return the term an item stands for, or None when it holds no word a search could find."""
    if word:
        negated, word = ("-", word[1:]) if word.startswith("-") else ("", word)
        text, is_phrase = word, False
    else:
        text, is_phrase = " ".join(phrase.split()), True
    if not _HAS_WORD.search(text):
        return None
    return Term(text, is_phrase and " " in text, bool(negated))
