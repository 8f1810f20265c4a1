"""Find documents nobody is working on and put them back on their way."""

import logging

from flask import current_app
from sqlalchemy import select, text

from webapp import metrics, search
from webapp.broker import connection
from webapp.extensions import db
from webapp.models import Document, DocumentStatus
from webapp.services.pipeline import reconcile
from webapp.services.pipeline.queue import requeue_documents

log = logging.getLogger(__name__)

# Statements spell DocumentStatus values as SQL literals, so they read as the table stores them.
# Queued for a while (the enqueue may have been lost), processing past the lease (the worker died), or
# counted but never indexed (search was away, or the job died between its commit and the index).
# A document whose job is still waiting is skipped (requeue_documents), so sweeping never piles up jobs.
_STRANDED = text("""
    SELECT id FROM documents
     WHERE (status = 'queued' AND counted_at IS NULL AND updated_at < now() - make_interval(secs => :grace))
        OR (status = 'processing' AND counted_at IS NULL AND lease_until < now())
        OR (status = 'done' AND indexed_at IS NULL AND updated_at < now() - make_interval(secs => :grace))
     ORDER BY id
""")
_TURN_KEY = "documents:sweep-turn"


def resume_documents(grace_seconds: int = 30) -> int:
    """Re-enqueue stranded documents; return how many were sent back to the queue."""
    ids = list(db.session.execute(_STRANDED, {"grace": grace_seconds}).scalars())
    db.session.commit()
    sent = requeue_documents(ids) if ids else 0
    if ids:
        log.info("job=resume documents=%s enqueued=%s", len(ids), sent)
    return sent


def catch_up_index() -> int:
    """Index every done document the search backend has not caught up with; return how many."""
    ids = list(db.session.scalars(select(Document.id).where(Document.status == DocumentStatus.DONE, Document.indexed_at.is_(None))))
    return sum(search.index_document_quietly(document_id) for document_id in ids)


def sweep(take_turns: bool = True, grace_seconds: int | None = None) -> int:
    """Resume stranded documents (one worker per interval when taking turns); never raise, return how many.

    Documents queued less than `grace_seconds` ago (default: one interval) are left to the job their
    upload queued. A worker that starts, or finds Redis back after an outage, passes 0: uploads made
    while Redis was away have no job at all, and a duplicate job is harmless (counted at most once).
    """
    interval = current_app.config["SWEEP_INTERVAL_SECONDS"]
    try:
        # Whoever sweeps holds the turn for one interval; a worker that must sweep (on start) takes it anyway.
        if not connection().set(_TURN_KEY, "1", nx=take_turns, ex=interval):
            return 0
        sent = resume_documents(grace_seconds=interval if grace_seconds is None else grace_seconds)
        metrics.swept(sent, "interval" if take_turns else "start")
        return sent
    except Exception as exc:  # noqa: BLE001 - a sweep runs inside the worker loop and must never stop it
        log.warning("job=sweep state=failed reason=%r", str(exc))
        return 0
    finally:
        db.session.remove()  # no transaction of the sweep stays open; the connection stays for the next job


def check_totals_if_due() -> bool:
    """Check every total against its documents when its turn has come round (never raise); say if it ran."""
    try:
        return reconcile.check_if_due()
    except Exception as exc:  # noqa: BLE001 - runs inside the worker loop and must never stop it
        log.warning("job=totals_check state=failed reason=%r", str(exc))
        return False
    finally:
        db.session.remove()
