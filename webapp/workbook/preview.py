"""A first look at a workbook: the top-left corner of each sheet, made by the worker from the cells it read and
kept with the document, so a page never opens the file. Cells show through their number format where the file
has one this app writes (`25%`, `$799.99`, dates, times); CSV fields show as written."""

import datetime as dt
from dataclasses import asdict, dataclass, field

from webapp.workbook.cellref import column_letters
from webapp.workbook.numbers import display_number, exact_decimal
from webapp.workbook.numfmt import format_value
from webapp.workbook.sheets import CORNER_COLUMNS, CORNER_ROWS, SheetText
from webapp.workbook.written import WrittenDate, WrittenNumber, duration_text, iso_duration

MAX_SHEETS = 10
MAX_ROWS = CORNER_ROWS
MAX_COLUMNS = CORNER_COLUMNS
MAX_CELL_CHARS = 80
# How the cells are shown, for the page to say so.
FORMATTED = "formatted"  # through each cell's number format
AS_WRITTEN = "as written"  # a CSV file: each field as the file writes it
RAW = "raw"  # values as stored (the file's formats are not read for this format)


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

    def cell_id(self, sheet_index: int, column: str, row: int) -> str:
        """Return the HTML id of one shown cell, the target of a link from "Explain this total"."""
        return f"cell-{sheet_index}-{column}{row}"


@dataclass
class Preview:
    """Previews of a workbook's first sheets, the names of the sheets left out, and how cells are shown."""

    sheets: list[SheetPreview]
    hidden_sheets: list[str]
    shown: str = RAW

    def as_dict(self) -> dict:
        """Return the preview as JSON-ready values, to store with the document."""
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: dict) -> "Preview":
        """Rebuild a stored preview."""
        sheets = [SheetPreview(**{**s, "rows": [[Cell(**c) for c in row] for row in s["rows"]]}) for s in stored["sheets"]]
        return cls(sheets, stored.get("hidden_sheets", []), stored.get("shown", RAW))


def build_preview(read: list[SheetText], shown: str, formats: dict | None = None, texts: dict | None = None) -> Preview:
    """Make the preview from the sheets as read; formats maps a sheet to {(row, column): format code}, texts to
    {(row, column): the text the file itself shows} (OpenDocument files write it beside each value)."""
    formats, texts = formats or {}, texts or {}
    sheets = [_sheet(sheet, formats.get(sheet.facts.name, {}), texts.get(sheet.facts.name, {}))
              for sheet in read[:MAX_SHEETS]]
    return Preview(sheets, [sheet.facts.name for sheet in read[MAX_SHEETS:]], shown)


def _sheet(sheet: SheetText, formats: dict, texts: dict) -> SheetPreview:
    first_row, first_column = sheet.facts.origin
    rows = [[_shown(value, texts.get((r, c))) if texts else _formatted(value, formats.get((r, c)))
             for c, value in enumerate(row)] for r, row in enumerate(sheet.corner)]
    width = max((len(row) for row in rows), default=0)
    return SheetPreview(
        sheet.facts.name, rows, more_rows=sheet.more_rows, more_columns=sheet.more_columns,
        first_row=first_row + 1, columns=[column_letters(first_column + i) for i in range(width)],
    )


def _shown(value: object, text: str | None) -> Cell:
    if text is None:
        return _cell(value)
    return Cell(_short(text), numeric=isinstance(value, (int, float)) and type(value) is not bool)


def _formatted(value: object, code: str | None) -> Cell:
    if code:
        try:
            text = format_value(value, code)
        except (ArithmeticError, ValueError, IndexError, KeyError, OverflowError):
            text = None  # a format this module misreads shows the raw value; the total never depends on it
        if text is not None:
            return Cell(_short(text), numeric=isinstance(value, (int, float)) and type(value) is not bool)
    return _cell(value)


def _cell(value: object) -> Cell:
    """Write a cell the way a spreadsheet shows it without a format: `28665`, not `28665.0`."""
    if value is None or value == "":
        return Cell("")
    if isinstance(value, bool):
        return Cell("TRUE" if value else "FALSE")
    if isinstance(value, (int, float)):
        number = exact_decimal(value)
        return Cell(display_number(number) if number is not None else str(value), numeric=True)
    if isinstance(value, WrittenNumber):
        return Cell(_short(value.text), numeric=True)
    if isinstance(value, WrittenDate):
        return Cell(_short(value.text))
    if isinstance(value, dt.datetime):
        return Cell(value.isoformat(sep=" "))
    if isinstance(value, (dt.date, dt.time)):
        return Cell(value.isoformat())
    if isinstance(value, dt.timedelta):
        return Cell(duration_text(value))
    text = str(value)
    if text.startswith(("P", "-P")) and (duration := iso_duration(text)) is not None:
        return Cell(duration_text(duration))  # an OpenDocument time, which calamine hands over as text
    return Cell(_short(text))


def _short(text: str) -> str:
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"
