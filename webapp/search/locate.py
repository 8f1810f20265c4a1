"""Where a search hit is: the first cells of a document holding the query's words, as `Prices!B7` with marked
text, filled into each hit (with highlights, for backends that return none) from the text PostgreSQL keeps.

Works from what PostgreSQL stores for every done document, whichever search backend found it: the text
keeps each sheet's grid (one line per row, one tab-separated field per column) and the breakdown keeps
where each sheet's rows start (`first_line`) and its first cell (`origin`). Work is bounded: only the
first LOCATE_CHARS characters of a document are searched, and the first few cells are returned.
"""

import re

from sqlalchemy import text as sql

from webapp.extensions import db
from webapp.search.base import Location, SearchHit
from webapp.search.highlight import LOCATE_CHARS, fragments, marked, query_pattern
from webapp.workbook.cellref import column_letters

MAX_LOCATIONS = 3
_PLAIN_SHEET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
# The part of each hit's text that locations and fragments are cut from, read once for a page of hits.
_HIT_TEXT = sql(f"SELECT id, left(text, {LOCATE_CHARS}), breakdown FROM documents WHERE id = ANY(:ids)")


def place_hits(hits: list[SearchHit], query: str, highlight: bool) -> None:
    """Fill each hit's cell locations, and its highlights when asked (the backend gave none)."""
    pattern = query_pattern(query)
    if not hits or pattern is None:
        return
    rows = {row[0]: row for row in db.session.execute(_HIT_TEXT, {"ids": [hit.document_id for hit in hits]})}
    for hit in hits:
        row = rows.get(hit.document_id)
        if row is None:
            continue  # deleted since the index saw it
        _, text, breakdown = row
        hit.locations = locate(text or "", breakdown, pattern)
        if highlight:
            hit.highlights = fragments(text or "", pattern)


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
        found.append(Location(_reference(sheet, line, column), marked(cell_text, pattern)))
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
