"""Accept uploads: validate, store content-addressed, record as queued, then enqueue."""

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import Category, Document
from webapp.models.document import DocumentStatus
from webapp.services.pipeline import storage
from webapp.services.pipeline.queue import enqueue_document
from webapp.services.pipeline.removal import hold_content
from webapp.workbook.intake import RefusedUpload, check_workbook


class DuplicateUpload(Exception):
    """The same content is already in this category; the message names the earlier file."""


@dataclass
class IncomingFile:
    """One file as it arrived with the request."""

    filename: str
    stream: BinaryIO


@dataclass
class _Spooled:
    filename: str
    path: Path
    sha256: str
    size: int


def accept_uploads(category: Category, files: list[IncomingFile], uploaded_by: int | None = None) -> list[Document]:
    """Store and queue every file, or refuse them all with the first reason (nothing is kept); record who sent them."""
    if not files:
        raise RefusedUpload("Please choose at least one workbook to upload.")
    spooled: list[_Spooled] = []
    try:
        for incoming in files:
            spooled.append(_spool(incoming))
        _refuse_duplicates(category, spooled)
    except (RefusedUpload, DuplicateUpload):
        for item in spooled:
            storage.discard(item.path)
        raise
    documents = [_record(category, item, uploaded_by) for item in spooled]
    try:
        _commit_keeping_values()
    except IntegrityError as exc:
        # Another request stored the same content in this category a moment ago.
        db.session.rollback()
        raise DuplicateUpload("This content was just uploaded to this category by someone else.") from exc
    for document in documents:
        enqueue_document(document.id)
    return documents


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
            raise DuplicateUpload(f"“{item.filename}” has the same content as “{seen[item.sha256]}” in this upload.")
        seen[item.sha256] = item.filename
    earlier = db.session.execute(
        select(Document.id, Document.filename).where(Document.category_id == category.id, Document.sha256.in_(seen))
    ).first()
    if earlier is not None:
        raise DuplicateUpload(
            f"This content is already in “{category.name}” as “{earlier.filename}” (file #{earlier.id})."
        )


def _record(category: Category, item: _Spooled, uploaded_by: int | None) -> Document:
    hold_content(item.sha256)  # until the commit, so a deletion elsewhere cannot remove the file under us
    storage.keep(item.path, item.sha256)
    document = Document(category_id=category.id, filename=item.filename, sha256=item.sha256, size=item.size,
                        status=DocumentStatus.QUEUED.value, uploaded_by_id=uploaded_by)
    db.session.add(document)
    db.session.flush()
    return document


def _clean_filename(filename: str | None) -> str:
    name = Path((filename or "").replace("\\", "/")).name.strip()
    return name[:255] or "workbook.xlsx"
