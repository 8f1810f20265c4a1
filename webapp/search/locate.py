"""Where a search hit is: the first cells of a document holding the query's words, as `Prices!B7` with marked
text, filled into each hit (with its highlights) from the chunks of text PostgreSQL keeps.

Works from what PostgreSQL stores for every done document, whichever search backend found it: the backend
names the chunks where it found the words (anywhere in the file), each chunk knows the grid line and field
it starts at, and the breakdown keeps where each sheet's rows start (`first_line`) and its first cell
(`origin`). Work is bounded by the page: a few chunks per hit, a Budget of matches per request and per
document, lines counted as the scan moves on, and the rest of a cell skipped once it is listed.
"""

import re
from collections.abc import Iterator

from markupsafe import Markup, escape

from webapp.search import chunk_store
from webapp.search.base import Location, SearchHit
from webapp.search.chunk_store import HitText, StoredChunk
from webapp.search.highlight import MATCHES_PER_DOCUMENT, Budget, exclusion_pattern, fragments, marked, query_pattern
from webapp.workbook.cellref import column_letters

MAX_LOCATIONS = 3
# Chunks read per hit for its locations and highlights: the first ones the backend found the words in.
CHUNKS_PER_HIT = 3
_PLAIN_SHEET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def place_hits(hits: list[SearchHit], query: str, read: dict[int, HitText] | None = None) -> None:
    """Fill each hit's highlights and cell locations from the chunks its backend found the words in.

    A backend that has already read those chunks passes them; otherwise they are read by `hit.chunks`.
    """
    pattern = query_pattern(query)
    if not hits or pattern is None:
        return
    exclude = exclusion_pattern(query)
    if read is None:
        read = chunk_store.by_number({hit.document_id: (hit.chunks or [0])[:CHUNKS_PER_HIT] for hit in hits})
    budget = Budget()
    for hit in hits:
        found = read.get(hit.document_id)
        if found is None or not found.chunks:
            continue  # deleted since the index saw it
        mine = Budget(min(budget.left, MATCHES_PER_DOCUMENT))
        hit.locations = locate(found.chunks, found.breakdown, pattern, mine, exclude)
        hit.highlights = fragments([chunk.text for chunk in found.chunks], pattern, mine)
        budget.left -= min(budget.left, MATCHES_PER_DOCUMENT) - mine.left


def locate(chunks: list[StoredChunk], breakdown: dict | None, pattern: re.Pattern, budget: Budget,
           exclude: re.Pattern | None = None, limit: int = MAX_LOCATIONS) -> list[Location]:
    """Return the first cells of these chunks that match the pattern and hold no excluded word."""
    sheets = [s for s in (breakdown or {}).get("sheets", []) if "first_line" in s]
    if not sheets:
        return []  # extracted before cell locations were kept
    found: list[Location] = []
    seen: set[tuple[int, int]] = set()
    for line, column, cell_text in _matching_cells(chunks, pattern, budget):
        sheet = _sheet_of(sheets, line)
        if sheet is None or (line, column) in seen or (exclude is not None and exclude.search(cell_text)):
            continue
        seen.add((line, column))
        found.append(Location(_reference(sheet, line, column), marked(cell_text, pattern, budget)))
        if len(found) == limit:
            break
    return found


def _matching_cells(chunks: list[StoredChunk], pattern: re.Pattern, budget: Budget) -> Iterator[tuple[int, int, str]]:
    """Yield (line, column, cell text) of each cell holding a match, counting lines as the scan goes."""
    for chunk in chunks:
        text, line, line_start, counted, position = chunk.text, chunk.first_line, 0, 0, 0
        while budget.take():
            match = pattern.search(text, position)
            if match is None:
                break
            newlines = text.count("\n", counted, match.start())
            if newlines:
                line += newlines
                line_start = text.rfind("\n", counted, match.start()) + 1
            counted = match.start()
            cell_start = max(line_start, text.rfind("\t", line_start, match.start()) + 1)
            cell_end = _cell_end(text, match.start())
            column = text.count("\t", line_start, match.start()) + (chunk.first_column if line == chunk.first_line else 0)
            position = max(cell_end, match.end())  # the rest of this cell cannot add a location
            yield line, column, text[cell_start:cell_end]


def _cell_end(text: str, start: int) -> int:
    ends = [i for i in (text.find("\t", start), text.find("\n", start)) if i >= 0]
    return min(ends, default=len(text))


def _sheet_of(sheets: list[dict], line: int) -> dict | None:
    """Return the sheet whose rows include this line (None for a sheet-name line)."""
    current = None
    for sheet in sheets:
        if sheet["first_line"] <= line:
            current = sheet
        elif sheet["first_line"] - 1 == line:
            return None
    return current


def _reference(sheet: dict, line: int, column: int) -> Markup:
    """Name the cell as `Sheet!B7`, escaped as HTML like the cell's text (a sheet may be named `<b>`)."""
    row0, column0 = sheet.get("origin") or (0, 0)
    cell = f"{column_letters(column0 + column)}{row0 + line - sheet['first_line'] + 1}"
    name = sheet.get("name", "")
    if not name:
        return escape(cell)
    if not _PLAIN_SHEET_NAME.fullmatch(name):
        name = "'" + name.replace("'", "''") + "'"
    return escape(f"{name}!{cell}")
