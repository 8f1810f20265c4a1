"""Where a search hit is: the first cells of a document holding the query's words, as `Prices!B7` with marked
text, and highlighted fragments of its text around the first matches.

Works from what PostgreSQL stores for every done document, whichever search backend found it: the text
keeps each sheet's grid (one line per row, one tab-separated field per column) and the breakdown keeps
where each sheet's rows start (`first_line`) and its first cell (`origin`). Work is bounded: only the
first LOCATE_CHARS characters of a document are searched, and the first few cells are returned.
"""

import re
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

from webapp.services.cellref import column_letters
from webapp.services.numbers import canonical_number, number_pattern

MAX_LOCATIONS = 3
MAX_FRAGMENTS = 3
# Words shown before and after a match in a fragment (about what PostgreSQL's ts_headline showed).
WORDS_BEFORE, WORDS_AFTER = 6, 11
FRAGMENT_CHARS = 300
# How far to look for those words: a bound, so one huge cell cannot make a fragment expensive.
_WORD_REACH = 40
LOCATE_CHARS = 500_000
SHOWN_CHARS = 160

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
_TOKENS_BEFORE = re.compile(rf"(?<!\S)(?:\S+\s+){{0,{WORDS_BEFORE}}}\S*$")
_TOKENS_AFTER = re.compile(rf"\S*(?:\s+\S+){{0,{WORDS_AFTER}}}")
_PLAIN_SHEET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


@dataclass(frozen=True)
class Location:
    """One cell holding a hit: its reference and its text, escaped, with the words in <mark>."""

    cell: str
    html: Markup


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


def locate(text: str, breakdown: dict | None, pattern: re.Pattern, limit: int = MAX_LOCATIONS) -> list[Location]:
    """Return the first cells of an extracted text that match the pattern."""
    sheets = [s for s in (breakdown or {}).get("sheets", []) if "first_line" in s]
    if not sheets:
        return []  # extracted before cell locations were kept
    found: list[Location] = []
    seen: set[tuple[int, int]] = set()
    for match in pattern.finditer(text, 0, min(len(text), LOCATE_CHARS)):
        line = text.count("\n", 0, match.start())
        start = text.rfind("\n", 0, match.start()) + 1
        column = text.count("\t", start, match.start())
        sheet = _sheet_of(sheets, line)
        if sheet is None or (line, column) in seen:
            continue
        seen.add((line, column))
        end = text.find("\n", start)
        cell_text = text[start : len(text) if end < 0 else end].split("\t")[column]
        found.append(Location(_reference(sheet, line, column), _marked(cell_text, pattern)))
        if len(found) == limit:
            break
    return found


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
        found.append(_marked(_SPACE.sub(" ", text[start:shown_until]).strip(), pattern, FRAGMENT_CHARS, cut=""))
        if len(found) == limit:
            break
    return found


def _sheet_of(sheets: list[dict], line: int) -> dict | None:
    """Return the sheet whose rows include this line (None for a sheet-name line)."""
    current = None
    for sheet in sheets:
        if sheet["first_line"] <= line:
            current = sheet
        elif sheet["first_line"] - 1 == line:
            return None
    return current


def _reference(sheet: dict, line: int, column: int) -> str:
    row0, column0 = sheet.get("origin") or (0, 0)
    cell = f"{column_letters(column0 + column)}{row0 + line - sheet['first_line'] + 1}"
    name = sheet.get("name", "")
    if not name:
        return cell
    if not _PLAIN_SHEET_NAME.fullmatch(name):
        name = "'" + name.replace("'", "''") + "'"
    return f"{name}!{cell}"


def _marked(cell_text: str, pattern: re.Pattern, shown: int = SHOWN_CHARS, cut: str = "…") -> Markup:
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
