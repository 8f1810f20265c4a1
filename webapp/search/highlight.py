"""Mark a query's words in document text, safely: escape everything, then let only <mark> through.

Both backends fill `SearchHit.highlights` through here: Elasticsearch returns fragments wrapped in
sentinels (safe_fragment), PostgreSQL's are cut in Python from the text the page reads for cell
locations (fragments). Cell locations mark their text with the same pattern.
"""

import re
import unicodedata

from markupsafe import Markup, escape

from webapp.workbook.numbers import canonical_number, number_pattern

# Sentinels are control characters that extraction strips from cell text, so text cannot forge them.
START = "\x02"
STOP = "\x03"
MAX_FRAGMENTS = 3
# Words shown before and after a match in a fragment (about what PostgreSQL's ts_headline showed).
WORDS_BEFORE, WORDS_AFTER = 6, 11
FRAGMENT_CHARS = 300
# How far to look for those words: a bound, so one huge cell cannot make a fragment expensive.
_WORD_REACH = 40
# Only the first this many characters of a document are scanned for fragments and cell locations.
LOCATE_CHARS = 500_000
SHOWN_CHARS = 160

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
_TOKENS_BEFORE = re.compile(rf"(?<!\S)(?:\S+\s+){{0,{WORDS_BEFORE}}}\S*$")
_TOKENS_AFTER = re.compile(rf"\S*(?:\s+\S+){{0,{WORDS_AFTER}}}")


def safe_fragment(raw: str) -> Markup:
    """Escape a fragment whose hits are wrapped in sentinels and turn the sentinels into <mark>."""
    escaped = str(escape(raw.strip()))
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))


def query_pattern(raw: str) -> re.Pattern | None:
    """Compile the words and numbers a user is looking for (not the excluded ones) into one pattern."""
    pieces: list[str] = []
    for phrase, token in _TOKEN.findall(raw):
        for word in phrase.split() if phrase else [token]:
            if not phrase and (word.startswith("-") or word.lower() in ("or", "|")):
                continue
            pieces.extend(_term_patterns(word.strip(".,;:!?()[]{}'")))
    if not pieces:
        return None
    # Longest first, so `12.5` is preferred to `12` where both would match.
    return re.compile("|".join(sorted(set(pieces), key=len, reverse=True)), re.IGNORECASE)


def _term_patterns(word: str) -> list[str]:
    number = canonical_number(word)
    if number is not None:
        return [number_pattern(number)]
    return [rf"(?<!\w){_accent_blind(piece)}(?!\w)" for piece in _WORD.findall(_fold(word))]


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _accents() -> dict[str, str]:
    variants: dict[str, set[str]] = {}
    for code in range(0xC0, 0x250):
        letter = chr(code)
        base = _fold(letter).lower()
        if len(base) == 1 and base.isascii() and base.isalpha():
            variants.setdefault(base, {base}).update({letter.lower(), letter.upper()})
    return {base: "[" + "".join(sorted(chars)) + "]" for base, chars in variants.items()}


_ACCENTS = _accents()


def _accent_blind(piece: str) -> str:
    """Let `cafe` match `café` (and back), as the search itself does."""
    return "".join(_ACCENTS.get(c.lower(), re.escape(c)) for c in piece)


def fragments(text: str, pattern: re.Pattern, limit: int = MAX_FRAGMENTS) -> list[Markup]:
    """Return up to `limit` escaped snippets of the text around its first matches, the matches in <mark>.

    Done here rather than by PostgreSQL's ts_headline, which re-read and re-parsed every hit's text
    inside the search query: a third of a search's database time at 100k documents.
    """
    found: list[Markup] = []
    shown_until = 0
    for match in pattern.finditer(text, 0, min(len(text), LOCATE_CHARS)):
        if match.start() < shown_until:
            continue  # already inside the previous fragment
        before = _TOKENS_BEFORE.search(text, max(shown_until, match.start() - _WORD_REACH * WORDS_BEFORE), match.start())
        start = before.start() if before else match.start()
        after = _TOKENS_AFTER.match(text, match.end(), min(len(text), match.end() + _WORD_REACH * WORDS_AFTER))
        shown_until = after.end() if after else match.end()
        # The page puts "…" around each fragment, so a fragment cut to FRAGMENT_CHARS adds none of its own.
        found.append(marked(_SPACE.sub(" ", text[start:shown_until]).strip(), pattern, FRAGMENT_CHARS, cut=""))
        if len(found) == limit:
            break
    return found


def marked(cell_text: str, pattern: re.Pattern, shown: int = SHOWN_CHARS, cut: str = "…") -> Markup:
    """Escape the cell's text and wrap the matches in <mark>, trimmed around the first match."""
    matches = list(pattern.finditer(cell_text))
    start = max(0, matches[0].start() - shown // 3) if matches and len(cell_text) > shown else 0
    end = min(len(cell_text), start + shown)
    parts = [cut if start else ""]
    cursor = start
    for match in matches:
        if match.start() < cursor or match.end() > end:
            continue
        parts += [str(escape(cell_text[cursor : match.start()])), "<mark>", str(escape(match.group())), "</mark>"]
        cursor = match.end()
    parts += [str(escape(cell_text[cursor:end])), cut if end < len(cell_text) else ""]
    return Markup("".join(parts))
