"""Names that work everywhere: one spelling (NFC), one case-folding, no characters that hide or mislead.

Python's lower() and PostgreSQL's lower() disagree (`İstanbul`, `ΣΊΣΥΦΟΣ`): a name created through one
was not found through the other. Every comparison now goes through `key`, computed once here and
stored beside the name (migration 0009).
"""

import re
import unicodedata

from markupsafe import Markup

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


def unusable(value: str) -> str | None:
    """Say why a (spelled) name cannot be used, or return None when it can."""
    if value in _NOT_A_SEGMENT:
        return f"cannot be “{value}”."
    for character in value:
        if unicodedata.category(character) in _HIDDEN_CATEGORIES:
            label = unicodedata.name(character, "a control character")
            return f"cannot contain invisible or control characters (it has U+{ord(character):04X} {label})."
    return None


def shown(value):
    """Return text fit to show in a page: direction controls removed, so nothing shows a fake extension."""
    if not isinstance(value, str) or not _DIRECTION_CONTROLS.search(value):
        return value
    cleaned = _DIRECTION_CONTROLS.sub("", value)
    # Removing characters from safe markup cannot make it unsafe, so markup stays markup.
    return Markup(cleaned) if isinstance(value, Markup) else cleaned
