"""Find documents nobody is working on and put them back on their way."""

import logging

from sqlalchemy import select, text

from webapp import search
from webapp.extensions import db
from webapp.models import Document
from webapp.services.queue import enqueue_document

log = logging.getLogger(__name__)

# Queued for a while (the enqueue may have been lost) or processing past the lease (the worker died).
_STRANDED = text("""
    SELECT id FROM documents
     WHERE counted_at IS NULL
       AND ((status = 'queued' AND updated_at < now() - make_interval(secs => :grace))
         OR (status = 'processing' AND lease_until < now()))
     ORDER BY id
""")


def resume_documents(grace_seconds: int = 30) -> int:
    """Re-enqueue stranded documents; return how many were sent back to the queue."""
    ids = list(db.session.execute(_STRANDED, {"grace": grace_seconds}).scalars())
    db.session.commit()
    sent = sum(enqueue_document(document_id) for document_id in ids)
    if ids:
        log.info("job=resume documents=%s enqueued=%s", len(ids), sent)
    return sent


def catch_up_index() -> int:
    """Index every done document the search backend has not caught up with; return how many."""
    ids = list(db.session.scalars(select(Document.id).where(Document.status == "done", Document.indexed_at.is_(None))))
    return sum(search.index_document_quietly(document_id) for document_id in ids)
