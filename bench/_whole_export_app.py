"""gunicorn entry for the export baseline: the same app, but each export is built whole in memory before it is
sent (every row read into a list, the workbook built in memory without constant_memory, the CSV joined into one
body): what streaming exists to avoid. Bench-only: nothing here is reachable from the product."""

import io

import xlsxwriter

from webapp import create_app
from webapp.exports import as_csv, as_xlsx

_lines = as_csv.lines


def _materialized(export):
    for sheet in export.sheets:
        sheet.rows = list(sheet.rows)
    return export


def write_in_memory(export):
    """Build the whole workbook in memory (xlsxwriter's default mode), as most exporters do."""
    export = _materialized(export)
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {**as_xlsx._OPTIONS, "constant_memory": False, "in_memory": True})
    styles = as_xlsx._styles(workbook)
    for sheet in export.sheets:
        as_xlsx._write_sheet(workbook.add_worksheet(sheet.title[: as_xlsx.TITLE_CHARS]), sheet, styles)
    workbook.close()
    out.seek(0)
    return out


def lines_in_memory(export):
    """Build the whole CSV body first, then send it as one chunk."""
    return iter([b"".join(_lines(_materialized(export)))])


app = create_app()
as_xlsx.write = write_in_memory
as_csv.lines = lines_in_memory
