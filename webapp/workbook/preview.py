"""A first look at a stored workbook: the first rows of each sheet, bounded in rows, columns and text."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from webapp.workbook.cellref import column_letters
from webapp.workbook.numbers import display_number, exact_decimal
from webapp.workbook.written import duration_text, iso_duration

MAX_SHEETS = 10
MAX_ROWS = 20
MAX_COLUMNS = 15
MAX_CELL_CHARS = 80


@dataclass(frozen=True)
class Cell:
    """One cell as a spreadsheet shows it; numbers are right-aligned on the page."""

    text: str
    numeric: bool = False


@dataclass
class SheetPreview:
    """The top-left corner of one sheet."""

    name: str
    rows: list[list[Cell]] = field(default_factory=list)
    more_rows: bool = False
    more_columns: bool = False
    first_row: int = 1
    columns: list[str] = field(default_factory=list)

    def numbered_rows(self) -> list[tuple[int, list[Cell]]]:
        """Return each row with its number as the spreadsheet shows it."""
        return [(self.first_row + i, row) for i, row in enumerate(self.rows)]


@dataclass
class Preview:
    """Previews of a workbook's first sheets, and the names of the sheets left out."""

    sheets: list[SheetPreview]
    hidden_sheets: list[str]


def preview_workbook(path: Path) -> Preview | None:
    """Return the first rows of each sheet, or None if the file cannot be read."""
    try:
        return _read_preview(str(path))
    except (CalamineError, OSError, ValueError):
        return None


def _read_preview(path: str) -> Preview:
    workbook = CalamineWorkbook.from_path(path)
    try:
        names = workbook.sheet_names
        return Preview([_sheet(workbook, name) for name in names[:MAX_SHEETS]], names[MAX_SHEETS:])
    finally:
        workbook.close()


def _sheet(workbook: CalamineWorkbook, name: str) -> SheetPreview:
    sheet = workbook.get_sheet_by_name(name)
    rows = sheet.to_python(nrows=MAX_ROWS + 1)
    shown = [[_cell(value) for value in row[:MAX_COLUMNS]] for row in rows[:MAX_ROWS]]
    # The rows start at the first used cell, which is not always A1.
    first_row, first_column = sheet.start or (0, 0)
    width = max((len(row) for row in shown), default=0)
    return SheetPreview(
        name,
        shown,
        more_rows=len(rows) > MAX_ROWS,
        more_columns=any(len(row) > MAX_COLUMNS for row in rows),
        first_row=first_row + 1,
        columns=[column_letters(first_column + i) for i in range(width)],
    )


def _cell(value: object) -> Cell:
    """Write a cell the way a spreadsheet shows it: `28665`, not `28665.0`."""
    if value is None or value == "":
        return Cell("")
    if isinstance(value, bool):
        return Cell("TRUE" if value else "FALSE")
    if isinstance(value, (int, float)):
        number = exact_decimal(value)
        return Cell(display_number(number) if number is not None else str(value), numeric=True)
    if isinstance(value, dt.datetime):
        return Cell(value.isoformat(sep=" "))
    if isinstance(value, (dt.date, dt.time)):
        return Cell(value.isoformat())
    if isinstance(value, dt.timedelta):
        return Cell(duration_text(value))
    text = str(value)
    if text.startswith(("P", "-P")) and (duration := iso_duration(text)) is not None:
        return Cell(duration_text(duration))  # an OpenDocument time, which calamine hands over as text
    return Cell(text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…")
