"""Accept uploads: validate, store content-addressed, record as queued, then enqueue."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp import metrics
from webapp.accounts import events
from webapp.extensions import db
from webapp.models import Category, Document
from webapp.models.document import DocumentStatus
from webapp.services.pipeline import quota, storage
from webapp.services.pipeline.queue import enqueue_document
from webapp.services.pipeline.removal import hold_content
from webapp.workbook.archive import UnsafeArchive
from webapp.workbook.intake import RefusedUpload, check_workbook
from webapp.workbook.sniff import NotAWorkbook, PasswordProtected
from webapp.workbook.wording import Said, said

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The filename parameter exactly as a browser sends it: browsers escape `"`, CR and LF as %22, %0D, %0A
# (the HTML form encoding) and write backslashes as they are, which Werkzeug's header parsing drops.
_SENT_FILENAME = re.compile(r';\s*filename="([^"]*)"', re.IGNORECASE)
_BROWSER_ESCAPES = {"%22": '"', "%0D": "\r", "%0A": "\n", "%0d": "\r", "%0a": "\n"}
# What a user reads when the file store is away: nothing was kept, and trying again later will work.
STORAGE_DOWN = said("The file store is not answering, so nothing was uploaded. Please try again in a minute.")


class DuplicateUpload(Exception):
    """The same content is already in this category; its Said (args[0]) names the earlier file."""


@dataclass
class IncomingFile:
    """One file as it arrived with the request."""

    filename: str
    stream: BinaryIO

    @classmethod
    def from_part(cls, part) -> "IncomingFile":
        """Take a request's file part (Werkzeug's FileStorage) with its name as the browser sent it."""
        sent = _SENT_FILENAME.search(part.headers.get("Content-Disposition", ""))
        if sent is None or "filename*" in part.headers.get("Content-Disposition", ""):
            return cls(part.filename, part.stream)
        name = re.sub("%22|%0[DdAa]", lambda m: _BROWSER_ESCAPES[m.group(0)], sent.group(1))
        return cls(name, part.stream)


@dataclass
class Accepted:
    """Files stored and recorded as queued. When Redis was away they have no job yet: they stay queued
    and the worker's sweeper sends them on as soon as Redis is back."""

    documents: list[Document]
    queue_available: bool


@dataclass
class _Spooled:
    filename: str
    path: Path
    sha256: str
    size: int


def accept_uploads(category: Category, files: list[IncomingFile], uploaded_by: int | None = None) -> Accepted:
    """Store and queue every file, or refuse them all with the first reason (nothing is kept); record who sent them.

    Raises quota.TooManyUploads or quota.OverQuota past the person's limits, and storage.StorageUnavailable,
    recording nothing, when the file store does not answer.
    """
    try:
        accepted = _accept(category, files, uploaded_by)
    except (RefusedUpload, DuplicateUpload, storage.StorageUnavailable) as exc:
        metrics.refused(_reason(exc), max(len(files), 1))
        raise
    metrics.accepted(len(accepted.documents))
    return accepted


def _reason(exc: Exception) -> str:
    """Name a refusal in a word or two, for the uploads metric (the message itself is for people)."""
    if isinstance(exc, DuplicateUpload):
        return "duplicate"
    if isinstance(exc, storage.StorageUnavailable):
        return "storage_unavailable"
    cause = exc.__cause__
    kinds = ((PasswordProtected, "password_protected"), (NotAWorkbook, "not_a_workbook"), (UnsafeArchive, "unsafe_archive"))
    return next((name for kind, name in kinds if isinstance(cause, kind)), getattr(exc, "metric_reason", "refused"))


def _accept(category: Category, files: list[IncomingFile], uploaded_by: int | None) -> Accepted:
    if not files:
        raise _refusal(said("Please choose at least one workbook to upload."), "no_file")
    _refuse_too_many(files)
    quota.count_files(uploaded_by, len(files))
    spooled: list[_Spooled] = []
    try:
        for incoming in files:
            spooled.append(_spool(incoming))
        _refuse_duplicates(category, spooled)
        quota.check_storage(uploaded_by, sum(item.size for item in spooled))
    except (RefusedUpload, DuplicateUpload, quota.OverQuota):
        for item in spooled:
            storage.discard(item.path)
        raise
    category_id, name = category.id, category.name  # read now: a rollback expires the row
    try:
        documents = [_record(category, item, uploaded_by) for item in spooled]
        for document in documents:
            events.file_uploaded(document.id, document.filename, name)
        _commit_keeping_values()
    except storage.StorageUnavailable:
        # Nothing is recorded: the rows were never committed, and the spools go (objects already put stay
        # unreferenced until `flask storage check --remove-unreferenced`).
        db.session.rollback()
        for item in spooled:
            storage.discard(item.path)
        raise
    except IntegrityError as exc:
        # Another request stored the same content in this category a moment ago: the unique index on
        # (category, sha256) answers at flush() or at commit, whichever sees it first.
        db.session.rollback()
        for item in spooled:
            storage.discard(item.path)  # those not yet moved to their content address
        raise DuplicateUpload(_taken_by_someone_else(category_id, name, spooled)) from exc
    return Accepted(documents, _enqueue_all(documents))


def _refuse_too_many(files: list[IncomingFile]) -> None:
    limit = current_app.config["MAX_FILES_PER_UPLOAD"]
    if len(files) > limit:
        raise _refusal(said("You can upload at most %(limit)s files at once; this upload has %(count)s. "
                            "Please upload them in smaller groups.", limit=str(limit), count=str(len(files))),
                       "too_many_files")


def _refusal(message: Said, reason: str) -> RefusedUpload:
    refusal = RefusedUpload(message)
    refusal.metric_reason = reason
    return refusal


def _enqueue_all(documents: list[Document]) -> bool:
    """Queue each document; after the first that finds Redis away, leave the rest to the sweeper too
    (each try could wait for a connection timeout). Return whether all were queued."""
    return all(enqueue_document(document.id) for document in documents)


def _taken_by_someone_else(category_id: int, name: str, spooled: list[_Spooled]) -> Said:
    """Name the file that won a race for the same content, now that its transaction is visible."""
    earlier = db.session.execute(
        select(Document.id, Document.filename).where(
            Document.category_id == category_id, Document.sha256.in_([item.sha256 for item in spooled])
        )
    ).first()
    db.session.rollback()
    if earlier is None:
        return said("This content was just uploaded to “%(category)s” by someone else.", category=name)
    return _already_in(name, earlier)


def _already_in(category: str, earlier) -> Said:
    """Say where the same content already is (a file's number is an id: written without grouping)."""
    return said("This content is already in “%(category)s” as “%(name)s” (file #%(id)s).", category=category,
                name=earlier.filename, id=str(earlier.id))


def _commit_keeping_values() -> None:
    """Commit without expiring the rows just written: the answer shows only values this request set,
    and reloading each document after the commit was a tenth of an upload's time."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _spool(incoming: IncomingFile) -> _Spooled:
    filename = _clean_filename(incoming.filename)
    path, sha256, size = storage.spool(incoming.stream)
    limit = current_app.config["MAX_UNZIPPED_MB"] * 1024 * 1024
    try:
        check_workbook(path, filename, limit)
    except RefusedUpload:
        storage.discard(path)
        raise
    return _Spooled(filename, path, sha256, size)


def _refuse_duplicates(category: Category, spooled: list[_Spooled]) -> None:
    seen: dict[str, str] = {}
    for item in spooled:
        if item.sha256 in seen:
            raise DuplicateUpload(said("“%(name)s” has the same content as “%(earlier)s” in this upload.",
                                       name=item.filename, earlier=seen[item.sha256]))
        seen[item.sha256] = item.filename
    earlier = db.session.execute(
        select(Document.id, Document.filename).where(Document.category_id == category.id, Document.sha256.in_(seen))
    ).first()
    if earlier is not None:
        raise DuplicateUpload(_already_in(category.name, earlier))


def _record(category: Category, item: _Spooled, uploaded_by: int | None) -> Document:
    hold_content(item.sha256)  # until the commit, so a deletion elsewhere cannot remove the file under us
    storage.keep(item.path, item.sha256)
    document = Document(category_id=category.id, filename=item.filename, sha256=item.sha256, size=item.size,
                        status=DocumentStatus.QUEUED.value, uploaded_by_id=uploaded_by)
    db.session.add(document)
    db.session.flush()
    return document


def _clean_filename(filename: str | None) -> str:
    """Keep the name as the user wrote it (pages escape it, downloads make it safe for a header); only
    control characters, which no one can read, become spaces, and the name is cut to the column's size."""
    name = _CONTROL.sub(" ", filename or "").strip()
    return name[:255] or "workbook.xlsx"
