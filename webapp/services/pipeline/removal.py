"""Take documents and categories away without leaving a total wrong: subtract exactly what was added, once."""

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from webapp import search
from webapp.accounts import events
from webapp.extensions import db
from webapp.models import Category, ChangeKind
from webapp.services.pipeline import ledger, storage
from webapp.workbook.wording import said

log = logging.getLogger(__name__)

# Deleting the row returns what it had added: a second deletion finds nothing and subtracts nothing.
# If a job is counting the document right now, the DELETE waits for it and returns the counted values.
_DELETE_DOCUMENT = text("""
    DELETE FROM documents WHERE id = :id
 RETURNING category_id, filename, sha256, counted_total, counted_at IS NOT NULL AS counted
""")
_CATEGORY_NAME = text("SELECT name FROM categories WHERE id = :id")
# Documents first, then the category: the same lock order as counting (document row, then category row).
_DELETE_DOCUMENTS_OF = text("DELETE FROM documents WHERE category_id = :id RETURNING id, sha256")
_DELETE_CATEGORY = text("DELETE FROM categories WHERE id = :id")
# Held by an upload from storing a file until its commit, and by a removal while it decides to delete the
# file: a file is never deleted under a document that is about to reference it.
_HOLD_CONTENT = text("SELECT pg_advisory_xact_lock(hashtextextended(:sha256, 0))")
_CONTENT_USED = text("SELECT EXISTS (SELECT 1 FROM documents WHERE sha256 = :sha256)")


class NotFound(Exception):
    """The document or category is already gone."""


class NotConfirmed(Exception):
    """The typed confirmation does not match; nothing was deleted."""


class CategoryChanged(Exception):
    """A file arrived while the category was being deleted; nothing was deleted."""


@dataclass
class DeletedDocument:
    """What a deleted document had added to its category."""

    filename: str
    category: str
    subtracted: Decimal | None


@dataclass
class DeletedCategory:
    """A deleted category and how many files went with it."""

    name: str
    documents: int
    files_removed: int = 0
    document_ids: list[int] = field(default_factory=list)


def hold_content(sha256: str) -> None:
    """Keep the stored file with this digest from being deleted until the current transaction ends."""
    db.session.execute(_HOLD_CONTENT, {"sha256": sha256})


def delete_document(document_id: int, by: int | None = None) -> DeletedDocument:
    """Delete a document and subtract exactly what it added to its category, once; `by` is who deleted it."""
    row = db.session.execute(_DELETE_DOCUMENT, {"id": document_id}).first()
    if row is None:
        db.session.rollback()
        raise NotFound(said("There is no file #%(id)s; it may have been deleted already.", id=str(document_id)))
    if row.counted:
        category = ledger.change(row.category_id, ChangeKind.REMOVED, -row.counted_total, files=-1,
                                 source=ledger.Source(document_id, row.filename), by=by)
    else:
        category = db.session.execute(_CATEGORY_NAME, {"id": row.category_id}).scalar()
    events.file_deleted(document_id, row.filename, category, row.counted_total if row.counted else None)
    db.session.commit()
    log.info("job=delete_document document=%s subtracted=%s", document_id, row.counted_total if row.counted else 0)
    _forget([document_id], {row.sha256})
    return DeletedDocument(row.filename, category, row.counted_total if row.counted else None)


def delete_category(category: Category, confirmation: str) -> DeletedCategory:
    """Delete a category with all its documents and their files, once its name is typed to confirm."""
    if (confirmation or "").strip() != category.name:
        raise NotConfirmed(said("Type the category name “%(name)s” exactly to confirm; nothing was deleted.",
                                name=category.name))
    name, category_id = category.name, category.id
    rows = db.session.execute(_DELETE_DOCUMENTS_OF, {"id": category_id}).all()
    try:
        if db.session.execute(_DELETE_CATEGORY, {"id": category_id}).rowcount == 0:
            raise NotFound(said("There is no category named “%(name)s”; it may have been deleted already.", name=name))
        events.category_deleted(name, len(rows))
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise CategoryChanged(said(
            "A file was uploaded to “%(name)s” while it was being deleted, so nothing was deleted. Please try again.",
            name=name)) from exc
    except NotFound:
        db.session.rollback()
        raise
    ids = [row.id for row in rows]
    log.info("job=delete_category category=%r documents=%s", name, len(ids))
    removed = _forget(ids, {row.sha256 for row in rows})
    return DeletedCategory(name, len(ids), removed, ids)


def _forget(document_ids: list[int], digests: set[str]) -> int:
    """After the commit: drop the documents from search and delete files no document uses any more."""
    for document_id in document_ids:
        try:
            search.delete_document(document_id)
        except search.SearchUnavailable as exc:
            # The index is derived from PostgreSQL: `flask search reindex` drops what is left behind.
            log.warning("job=unindex document=%s state=deferred reason=%r", document_id, str(exc))
    return sum(remove_unused_file(sha256) for sha256 in sorted(digests))


def remove_unused_file(sha256: str) -> bool:
    """Delete the stored file with this digest if no document uses it; return whether it was deleted."""
    hold_content(sha256)
    removed = False
    if not db.session.execute(_CONTENT_USED, {"sha256": sha256}).scalar():
        try:
            storage.delete(sha256)
            removed = True
        except storage.StorageUnavailable as exc:
            # The deletion stands; the file is left unreferenced, which `flask storage check` reports.
            log.warning("job=remove_file sha256=%s state=deferred reason=%r", sha256, str(exc))
    db.session.commit()
    return removed
