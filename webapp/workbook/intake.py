"""Judge uploaded bytes before anything is stored: a real workbook in an accepted format, sane when unzipped."""

from pathlib import Path

from webapp.workbook.archive import UnsafeArchive, check_archive
from webapp.workbook.sniff import ACCEPTED, NotAWorkbook, PasswordProtected, Sniffed, sniff
from webapp.workbook.wording import said, wording

__all__ = ["ACCEPTED", "RefusedUpload", "check_workbook"]


class RefusedUpload(Exception):
    """An upload that is not an acceptable workbook; its Said (args[0]) is shown to the user."""


def check_workbook(path: Path, filename: str, max_unzipped_bytes: int) -> Sniffed:
    """Return the file's real format, or raise RefusedUpload saying why it cannot be read and what is accepted.

    Only what is cheap and certain is judged here; a workbook damaged inside fails later, in the worker,
    with its reason on the document.
    """
    try:
        sniffed = sniff(path)
        if sniffed.is_zip:
            check_archive(path, sniffed.kind, max_unzipped_bytes, list_sheets=False)
    except PasswordProtected as exc:
        raise RefusedUpload(said(
            "“%(name)s” is password-protected. Remove the password in your spreadsheet program and upload it again.",
            name=filename)) from exc
    except NotAWorkbook as exc:
        raise RefusedUpload(said("“%(name)s” %(reason)s. Please choose one of: %(accepted)s.", name=filename,
                                 reason=wording(exc), accepted=ACCEPTED)) from exc
    except UnsafeArchive as exc:
        raise RefusedUpload(said("“%(name)s” %(reason)s.", name=filename, reason=wording(exc))) from exc
    return sniffed
