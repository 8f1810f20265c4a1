"""Write an export's first sheet as CSV lines while its rows are read: UTF-8 with a BOM, RFC 4180, inert text."""

import csv
import io
from collections.abc import Iterator

from webapp.exports.tables import Export, Sheet, csv_value

MEDIA_TYPE = "text/csv"  # Flask adds "; charset=utf-8"
# Excel reads a CSV as UTF-8 (accents and all) only when it starts with a byte order mark.
BOM = "\ufeff"
# Rows per chunk sent: few enough to keep memory flat, enough to keep the number of writes small.
ROWS_PER_CHUNK = 200


def lines(export: Export) -> Iterator[bytes]:
    """Yield the CSV of the export's first sheet in UTF-8 chunks, the BOM first."""
    sheet = export.sheets[0]
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    buffer.write(BOM)
    writer.writerow([column.header for column in sheet.columns])
    for n, row in enumerate(_rows(sheet), start=1):
        writer.writerow(row)
        if n % ROWS_PER_CHUNK == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _rows(sheet: Sheet) -> Iterator[list[str]]:
    kinds = [column.kind for column in sheet.columns]
    for values in sheet.rows:
        yield [csv_value(kind, value) for kind, value in zip(kinds, values, strict=True)]
    footer = sheet.footer()
    if footer is not None:
        yield [csv_value(kind, value) for kind, value in zip(kinds, footer, strict=True)]


def _drain(buffer: io.StringIO) -> bytes:
    chunk = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return chunk
