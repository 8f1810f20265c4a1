"""Explain a failed document to the person looking at it: what failed, what they can do, and whether Retry can help.

A retry helps only when the failure says nothing about the file: a worker stopped from outside, or a time
limit hit while the machine was busy. A file that cannot be read, passes a limit or needs more memory than
one file may use fails the same way again, so its page offers what does help instead.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from webapp.models import Document, DocumentStatus, FailureKind


@dataclass(frozen=True)
class Failure:
    """What a page says about a failed document."""

    what: str  # in the page's language (a lazy string, translated when shown)
    todo: str
    retry_helps: bool


_FAILURES = {
    FailureKind.FILE: Failure(
        _l("The file itself could not be counted."),
        _l("Retrying would fail the same way. Correct the file (for example open it in your spreadsheet program and "
           "save it again, remove its password, or split it into smaller workbooks), then upload the corrected file."),
        False),
    FailureKind.MISSING: Failure(
        _l("The uploaded original is no longer in the file store."),
        _l("Retrying cannot bring it back: delete this file here, then upload it again."),
        False),
    FailureKind.MEMORY: Failure(
        _l("Reading it needed more memory than one file may use."),
        _l("Retrying would stop the same way. Split the workbook into smaller files and upload those, or ask an "
           "administrator to raise the memory allowed per file (JOB_MEMORY_MB)."),
        False),
    FailureKind.TIMEOUT: Failure(
        _l("Processing took longer than the time allowed for one file."),
        _l("The worker may have been busy: retry it. If it stops again, split the workbook into smaller files, or "
           "ask an administrator to raise the time allowed per file (JOB_TIMEOUT_SECONDS)."),
        True),
    FailureKind.CRASH: Failure(
        _l("The worker processing it was stopped at every attempt (restarted or stopped from outside)."),
        _l("This says nothing about the file: retry it once the workers run normally again."),
        True),
}
# Failures recorded before kinds were (migration 0012) with a reason it did not recognise.
_UNKNOWN = Failure(
    _l("It could not be processed."),
    _l("Retry it; if it fails the same way again, correct the file and upload the corrected file."),
    True)


def explain(document: Document) -> Failure | None:
    """Say what failed and what can be done about it, or None for a document that has not failed."""
    if document.status != DocumentStatus.FAILED:
        return None
    try:
        return _FAILURES[FailureKind(document.failure_kind)]
    except ValueError:
        return _UNKNOWN
