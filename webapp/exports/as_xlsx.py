"""Write an export as an .xlsx file with xlsxwriter in constant_memory mode: each row goes to disk as it is made.

Every text is written as a string cell (never a formula, a number or a link, whatever it looks like);
numbers follow `tables.number_cell`; totals rows are values the app computed, not formulas.
"""

import tempfile
from typing import BinaryIO

import xlsxwriter

from webapp.exports.tables import COUNT, NUMBER, TIME, Export, Sheet, number_cell, shown_text

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's own limits: sheet titles, and rows per sheet (the header and the total row included).
TITLE_CHARS = 31
MAX_ROWS = 1_048_576
_OPTIONS = {
    "constant_memory": True,
    # Never guess: text that looks like a formula, a number or a URL stays text.
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "remove_timezone": True,
}


class TooManyRows(Exception):
    """A sheet would need more rows than a spreadsheet holds: rows past it would be lost without a word."""


def write(export: Export) -> BinaryIO:
    """Write the export to an anonymous temporary file and return it open at its start."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # unnamed: gone with its last handle, whatever happens
    try:
        # xlsxwriter keeps each sheet's rows in named files until close(): in a folder of their own, removed
        # even when reading the rows fails halfway.
        with tempfile.TemporaryDirectory(prefix="export-") as scratch:
            workbook = xlsxwriter.Workbook(out, {**_OPTIONS, "tmpdir": scratch})
            styles = _styles(workbook)
            for sheet in export.sheets:
                _write_sheet(workbook.add_worksheet(str(sheet.title)[:TITLE_CHARS]), sheet, styles)
            workbook.close()
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _styles(workbook) -> dict:
    return {
        "header": workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1}),
        "time": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "total": workbook.add_format({"bold": True, "top": 1}),
        "total_time": workbook.add_format({"bold": True, "top": 1, "num_format": "yyyy-mm-dd hh:mm:ss"}),
        "number": workbook.add_format({"num_format": "General"}),
    }


def _write_sheet(worksheet, sheet: Sheet, styles: dict) -> None:
    kinds = [column.kind for column in sheet.columns]
    for n, column in enumerate(sheet.columns):
        worksheet.set_column(n, n, column.width)
        worksheet.write_string(0, n, column.header, styles["header"])
    worksheet.freeze_panes(1, 0)
    row = 0
    for row, values in enumerate(sheet.rows, start=1):
        if row >= MAX_ROWS - 1:  # the last row is kept for the total
            raise TooManyRows(f"“{sheet.title}” has more rows than a spreadsheet holds ({MAX_ROWS:,}); "
                              "download the CSV instead, which has no limit.")
        _write_row(worksheet, row, kinds, values, styles, None)
    footer = sheet.footer()
    if footer is not None:
        _write_row(worksheet, row + 1, kinds, footer, styles, styles["total"])


def _write_row(worksheet, row: int, kinds: list[str], values, styles: dict, emphasis) -> None:
    for column, (kind, value) in enumerate(zip(kinds, values, strict=True)):
        if value is None:
            if emphasis is not None:
                worksheet.write_blank(row, column, None, emphasis)
            continue
        if kind == NUMBER:
            cell = number_cell(value)
            if isinstance(cell, float):
                worksheet.write_number(row, column, cell, emphasis)
            else:
                worksheet.write_string(row, column, cell, emphasis)
        elif kind == COUNT:
            worksheet.write_number(row, column, int(value), emphasis)
        elif kind == TIME:
            # To the second, as the CSV writes it.
            style = styles["total_time"] if emphasis else styles["time"]
            worksheet.write_datetime(row, column, value.replace(microsecond=0), style)
        else:
            worksheet.write_string(row, column, shown_text(value), emphasis)
