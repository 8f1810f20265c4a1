"""What a document's page shows without opening its file: the stored cells behind its total, its stored
preview, and rows around any cell, read from the text the worker stored (never from the file)."""

import re
from dataclasses import dataclass

from sqlalchemy import text

from webapp.extensions import db
from webapp.models import Document, DocumentDetails
from webapp.workbook.cellref import column_index, column_letters
from webapp.workbook.preview import Cell, Preview, SheetPreview

# Rows above and below a cell, and columns either side of it, shown around a cell outside the preview.
AROUND_ROWS = 5
AROUND_COLUMNS = 6
_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_LINES = text("SELECT (string_to_array(text, E'\\n'))[:first : :last] FROM documents WHERE id = :id")


@dataclass
class Details:
    """A document's stored cells and preview; either may be missing (older documents)."""

    cells: dict | None
    preview: Preview | None

    @property
    def complete(self) -> bool:
        """Tell whether the page has all it can show (nothing to build)."""
        return self.preview is not None and self.cells is not None


def stored(document: Document) -> Details | None:
    """Return the document's stored details, or None when none were kept (counted before they were)."""
    row = db.session.get(DocumentDetails, document.id)
    if row is None:
        return None
    return Details(row.cells, Preview.from_dict(row.preview) if row.preview else None)


def parse_ref(ref: str) -> tuple[int, int] | None:
    """Return the 0-based (row, column) of a reference such as `B7`, or None."""
    match = _REF.fullmatch(ref or "")
    return None if match is None else (int(match[2]) - 1, column_index(match[1]))


def around(document: Document, sheet_index: int, ref: str) -> SheetPreview | None:
    """Return the rows around one cell of a sheet, from the document's stored text (values unformatted)."""
    sheets = (document.breakdown or {}).get("sheets", [])
    where = parse_ref(ref)
    if where is None or not 0 <= sheet_index < len(sheets) or "first_line" not in sheets[sheet_index]:
        return None
    sheet = sheets[sheet_index]
    origin_row, origin_column = sheet.get("origin") or (0, 0)
    row, column = where[0] - origin_row, where[1] - origin_column
    if row < 0 or column < 0:
        return None
    top = max(0, row - AROUND_ROWS)
    first = sheet["first_line"] + top + 1  # PostgreSQL arrays count from 1
    lines = db.session.execute(_LINES, {"id": document.id, "first": first, "last": first + 2 * AROUND_ROWS}).scalar()
    left = max(0, column - AROUND_COLUMNS)
    rows = _rows(lines or [], left, next_sheet_line(sheets, sheet_index) - (first - 1))
    if row - top >= len(rows):
        return None  # past the sheet's last row
    return SheetPreview(sheet["name"], rows, first_row=origin_row + top + 1,
                        columns=[column_letters(origin_column + left + i) for i in range(2 * AROUND_COLUMNS + 1)])


def next_sheet_line(sheets: list[dict], index: int) -> int:
    """Return the 0-based line where the next sheet's name stands (so a window stops at its sheet's end)."""
    following = [s["first_line"] - 1 for s in sheets[index + 1 :] if "first_line" in s]
    return following[0] if following else 1 << 62


def _rows(lines: list[str], left: int, within: int) -> list[list[Cell]]:
    rows = []
    for line in lines[: max(within, 0)]:
        fields = line.split("\t")[left : left + 2 * AROUND_COLUMNS + 1]
        fields += [""] * (2 * AROUND_COLUMNS + 1 - len(fields))
        rows.append([Cell(f, numeric=bool(_NUMBER.fullmatch(f))) for f in fields])
    return rows
