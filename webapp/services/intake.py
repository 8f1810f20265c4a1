"""Judge uploaded bytes before anything is stored: real workbook, sane when unzipped."""

import zipfile
from pathlib import Path

ACCEPTED = "Excel workbooks (.xlsx)"
MAX_ZIP_ENTRIES = 10_000
MAX_COMPRESSION_RATIO = 200


class RefusedUpload(Exception):
    """An upload that is not an acceptable workbook; the message is shown to the user."""


def check_workbook(path: Path, filename: str, max_unzipped_bytes: int) -> None:
    """Raise RefusedUpload unless the file at `path` is a readable .xlsx of sane unzipped size."""
    if path.stat().st_size == 0:
        raise RefusedUpload(f"“{filename}” is empty. Please choose one of: {ACCEPTED}.")
    if not zipfile.is_zipfile(path):
        raise RefusedUpload(f"“{filename}” is not a workbook. Please choose one of: {ACCEPTED}.")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RefusedUpload(f"“{filename}” is damaged and cannot be opened as a workbook.") from exc
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise RefusedUpload(f"“{filename}” is not a workbook. Please choose one of: {ACCEPTED}.")
    _check_unzipped_size(entries, filename, max_unzipped_bytes)


def _check_unzipped_size(entries: list[zipfile.ZipInfo], filename: str, limit: int) -> None:
    bomb = f"“{filename}” would unpack to far more data than a workbook holds, so it was refused."
    if len(entries) > MAX_ZIP_ENTRIES:
        raise RefusedUpload(bomb)
    unzipped = sum(entry.file_size for entry in entries)
    if unzipped > limit:
        raise RefusedUpload(bomb)
    for entry in entries:
        if entry.file_size > 1_000_000 and entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1):
            raise RefusedUpload(bomb)
