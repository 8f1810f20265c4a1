"""Send documents through processing again: retry failed ones, reprocess counted ones."""

from sqlalchemy import func, select, text

from webapp.accounts import events
from webapp.extensions import db
from webapp.models import Category, Document, DocumentStatus
from webapp.services.pipeline.queue import enqueue_document, enqueue_reprocess
from webapp.workbook.wording import said


class NotRetryable(Exception):
    """Only failed documents can be retried."""


def retry_document(document_id: int) -> tuple[Document, bool]:
    """Send a failed document back to the queue for another try; say whether Redis took the job now
    (if not, it stays queued and the sweeper sends it once Redis is back)."""
    # Lock only the document row: its category is joined in, and PostgreSQL refuses to lock an outer join.
    document = db.session.get(Document, document_id, with_for_update={"of": Document})
    if document is None or document.status != DocumentStatus.FAILED:
        db.session.rollback()
        raise NotRetryable(said("Only a file that failed can be retried."))
    document.status, document.error, document.failure_kind, document.attempts = DocumentStatus.QUEUED, None, None, 0
    document.error_wording = None
    document.updated_at = func.now()
    events.file_retried(document.id, document.filename)
    db.session.commit()
    return document, enqueue_document(document.id)


# Statements spell DocumentStatus values as SQL literals, so they read as the table stores them.
_RETRY_FAILED = text("""
    UPDATE documents
       SET status = 'queued', error = NULL, failure_kind = NULL, attempts = 0, updated_at = now()
     WHERE status = 'failed' AND (CAST(:category_id AS integer) IS NULL OR category_id = :category_id)
 RETURNING id, filename
""")


def retry_failed(category: Category | None = None) -> int:
    """Send every failed document (of one category, or all) back to the queue; return how many."""
    rows = db.session.execute(_RETRY_FAILED, {"category_id": category.id if category else None}).all()
    for row in rows:
        events.file_retried(row.id, row.filename)
    db.session.commit()
    ids = [row.id for row in rows]
    for document_id in sorted(ids):
        enqueue_document(document_id)
    return len(ids)


class NotReprocessable(Exception):
    """Only processed (done) documents can be reprocessed."""


def reprocess_document(document_id: int, by: int | None = None) -> Document:
    """Queue a done document to be read again for user `by`; its contribution is replaced in one transaction."""
    document = db.session.get(Document, document_id)
    if document is None or document.status != DocumentStatus.DONE:
        raise NotReprocessable(said("Only a processed file can be reprocessed; a failed one can be retried."))
    if not enqueue_reprocess(document.id, by):
        raise NotReprocessable(said(
            "The queue is unavailable right now, so nothing changed; please try again in a minute."))
    events.file_reprocessed(document.id, document.filename)
    return document


def reprocess_documents(category: Category | None = None) -> int:
    """Queue every done document (of one category, or all) to be read again; return how many."""
    query = select(Document.id).where(Document.status == DocumentStatus.DONE).order_by(Document.id)
    if category is not None:
        query = query.where(Document.category_id == category.id)
    ids = list(db.session.scalars(query))
    db.session.commit()
    queued = sum(enqueue_reprocess(document_id) for document_id in ids)
    events.files_reprocessed(category.name if category else None, queued)  # one event, however many files
    return queued
