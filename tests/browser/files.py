"""Files the browser tests hand to the page's file input."""

import io
import zipfile

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def chosen(name: str, content: bytes, mime: str = XLSX) -> dict:
    """Describe a file for Playwright's set_input_files, as if picked in the file chooser."""
    return {"name": name, "mimeType": mime, "buffer": content}


def damaged_workbook() -> bytes:
    """A zip that names xl/workbook.xml (so the upload check accepts it) but cannot be read by the worker."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "this is not a workbook <<<")
    return buffer.getvalue()
