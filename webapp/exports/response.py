"""Send an export: an .xlsx built on disk then streamed from the file, or a CSV streamed while it is made."""

import unicodedata
from urllib.parse import quote

from flask import Response, send_file, stream_with_context

from webapp.exports import as_csv, as_xlsx
from webapp.exports.tables import Export

FORMATS = ("xlsx", "csv")
# Exports hold what the person asking may see: never kept by a shared cache.
_NO_STORE = "private, no-store"


def download(export: Export, format: str) -> Response:
    """Return the export as an attachment in `xlsx` or `csv`; errors of the first read surface before any byte.

    Raises as_xlsx.TooManyRows when a sheet would not fit in a spreadsheet.
    """
    name = f"{export.stem}.{format}"
    if format == "xlsx":
        response = send_file(as_xlsx.write(export), mimetype=as_xlsx.MEDIA_TYPE, as_attachment=True,
                             download_name=name, max_age=0, conditional=False, etag=False)
    else:
        chunks = as_csv.lines(export)
        first = next(chunks)  # reads the first rows now, so a failing read is an error answer, not a cut file
        response = Response(stream_with_context(_joined(first, chunks)), mimetype=as_csv.MEDIA_TYPE)
        response.headers["Content-Disposition"] = _attachment(name)
    response.headers["Cache-Control"] = _NO_STORE
    return response


def _joined(first: bytes, rest):
    yield first
    yield from rest


def _attachment(name: str) -> str:
    """Return a Content-Disposition naming the file, with an ASCII fallback for names that are not ASCII."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").replace('"', "")
    if ascii_name == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
