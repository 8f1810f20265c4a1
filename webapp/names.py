"""Names that work everywhere: one spelling (NFC), one case-folding, no characters that hide or mislead.

Python's lower() and PostgreSQL's lower() disagree (`İstanbul`, `ΣΊΣΥΦΟΣ`): a name created through one
was not found through the other. Every comparison now goes through `key`, computed once here and
stored beside the name (migration 0009).
"""

import re
import sys
import unicodedata
from functools import cache

from markupsafe import Markup

from webapp.workbook.wording import Said, said

# Control (Cc), format (Cf: zero-width and direction controls) and surrogate (Cs) characters, and the
# line and paragraph separators: invisible, or able to reorder what is shown around them.
_HIDDEN_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")
# Direction embeddings, overrides and isolates: U+202E shows `é😀\u202egnp.csv` as "é😀vsc.png".
_DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Names that are a path segment of their own in every URL.
_NOT_A_SEGMENT = (".", "..")


def spelling(value: str) -> str:
    """Return a name as it is kept and shown: trimmed and in one Unicode form (NFC)."""
    return unicodedata.normalize("NFC", value.strip())


def key(value: str) -> str:
    """Return the form two names are compared in: same key, same name, whatever the letter case."""
    # Unicode's canonical caseless match: decompose, fold the case, compose again.
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", value.strip()).casefold())


def unusable(value: str) -> Said | None:
    """Say why a (spelled) name cannot be used (the end of a sentence about the field), or None when it can."""
    if value in _NOT_A_SEGMENT:
        return said("cannot be “%(value)s”.", value=value)
    for character in value:
        if unicodedata.category(character) in _HIDDEN_CATEGORIES:
            label = unicodedata.name(character, "a control character")
            return said("cannot contain invisible or control characters (it has %(character)s).",
                        character=f"U+{ord(character):04X} {label}")
    return None


def shown(value):
    """Return text fit to show in a page: direction controls removed, so nothing shows a fake extension."""
    if not isinstance(value, str) or not _DIRECTION_CONTROLS.search(value):
        return value
    cleaned = _DIRECTION_CONTROLS.sub("", value)
    # Removing characters from safe markup cannot make it unsafe, so markup stays markup.
    return Markup(cleaned) if isinstance(value, Markup) else cleaned


@cache
def _hidden_ranges() -> str:
    """Return every hidden character as regex class ranges (surrogates left out: no valid text holds one)."""
    categories = set(_HIDDEN_CATEGORIES) - {"Cs"}
    hidden = [c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in categories]
    ranges: list[list[int]] = []
    for code in hidden:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)


def pattern(limit: int, also_refused: str = "") -> str:
    """Return a regex of the names `unusable` accepts and `limit` allows, for the API's documented contract.

    Written without lookarounds, so every engine reads it (and a fuzzer can generate from it): a name trimmed
    of spaces is one character other than ".", two that are not "..", or three to `limit`.
    """
    refused = _hidden_ranges() + re.escape(also_refused)
    any_, word, not_dot = f"[^{refused}]", f"[^{refused}\\s]", f"[^{refused}\\s.]"
    return rf"^\s*(?:{not_dot}|{not_dot}{word}|\.{not_dot}|{word}{any_}{{1,{limit - 2}}}{word})\s*$"
