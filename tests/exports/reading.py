"""Open a downloaded export the way a spreadsheet user's tools would: openpyxl for .xlsx, the csv module for CSV."""

import csv
import io

import openpyxl

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_sheets(response) -> dict[str, list[list]]:
    """Return every sheet of an .xlsx answer as rows of cell values (header row first)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == XLSX
    assert response.headers["Content-Disposition"].startswith("attachment;")
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def xlsx_cells(response) -> dict[str, list[list]]:
    """Return every sheet of an .xlsx answer as rows of openpyxl cells (to see a cell's type, not only its value)."""
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return {sheet.title: [list(row) for row in sheet.iter_rows()] for sheet in workbook.worksheets}


def csv_rows(response) -> list[list[str]]:
    """Return a CSV answer's rows (header first), checking it is UTF-8 with a BOM and rows end with CRLF."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte order mark"
    assert body.endswith(b"\r\n"), "rows do not end with CRLF"
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8"), newline="")))


def as_dicts(rows: list[list]) -> list[dict]:
    """Return data rows as dicts keyed by the first word of each header."""
    keys = [str(h).split(" (")[0] for h in rows[0]]
    return [dict(zip(keys, row, strict=True)) for row in rows[1:]]
