"""The second readers: well-kept libraries that open a workbook python-calamine refuses, before anyone calls
it damaged. openpyxl (read-only, streaming) for .xlsx/.xlsm, xlrd for .xls, and the OpenDocument XML itself
(odsxml) for .ods. Each returns every sheet as rows of values of the kinds python-calamine gives, trimmed to
the used range like calamine's, so the text grid and hit locations are the same whichever reader read it.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from webapp.workbook.wording import said


class TooManyCells(Exception):
    """A sheet past the cell limit; the message is shown to the user."""


class Unreadable(Exception):
    """The second reader could not read the file either."""


@dataclass
class SheetRows:
    """One sheet as rows of values, and the 0-based (row, column) of its first used cell."""

    name: str
    rows: list[list[object]]
    origin: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class Reader:
    """A second reader and the name the document's facts give it."""

    name: str
    read: Callable[[Path, int], list[SheetRows]]


def trimmed(name: str, rows: Iterable[Iterable[object]], max_cells: int) -> SheetRows:
    """Cut a sheet's rows (padded from A1) to the used range, as python-calamine does, within the cell limit."""
    kept: list[list[object]] = []
    positions = 0
    first_column = None
    last_used = -1
    for row in rows:
        row = list(row)
        positions += len(row)
        if positions > max_cells:
            raise TooManyCells(said("Sheet “%(sheet)s” spans more than %(limit)s cells, the limit for one workbook.",
                                    sheet=name, limit=max_cells))
        while row and row[-1] in (None, ""):
            row.pop()
        if row:
            last_used = len(kept)
            lead = next(i for i, value in enumerate(row) if value not in (None, ""))
            first_column = lead if first_column is None else min(first_column, lead)
        kept.append(row)
    if first_column is None:
        return SheetRows(name, [])
    first_row = next(i for i, row in enumerate(kept) if row)
    used = [row[first_column:] for row in kept[first_row : last_used + 1]]
    width = max(map(len, used))
    return SheetRows(name, [row + [""] * (width - len(row)) for row in used], (first_row, first_column))


def read_openpyxl(path: Path, max_cells: int) -> list[SheetRows]:
    """Read every worksheet with openpyxl in read-only mode (cached formula values, the declared size ignored)."""
    import openpyxl  # only for the rare file calamine refuses: it is slow to import and to read

    # A stream, not the path: openpyxl judges a path by its extension, and stored files have none.
    handle = open(path, "rb")  # noqa: SIM115 - read-only workbooks read from it until closed below
    workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    try:
        sheets = []
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # `<dimension ref="A1:AMJ1048576">` would pad every row to 1,024 columns
            sheets.append(trimmed(sheet.title, sheet.iter_rows(values_only=True), max_cells))
        return sheets
    finally:
        workbook.close()
        handle.close()


def read_xlrd(path: Path, max_cells: int) -> list[SheetRows]:
    """Read every sheet of a legacy .xls with xlrd, dates turned into dates as calamine does."""
    import xlrd

    book = xlrd.open_workbook(str(path), on_demand=True)
    try:
        sheets = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = ([_xls_value(cell, book.datemode) for cell in sheet.row(r)] for r in range(sheet.nrows))
            sheets.append(trimmed(sheet.name, rows, max_cells))
            book.unload_sheet(index)
        return sheets
    finally:
        book.release_resources()


def _xls_value(cell, datemode: int) -> object:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        moment = xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        if cell.value < 1:
            return moment.time()
        return moment.date() if moment.time() == dt.time() else moment
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERROR")
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    return cell.value
