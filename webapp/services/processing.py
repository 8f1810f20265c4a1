"""Turn a queued document into a counted one, exactly once, whatever retries or races happen."""

import json
import logging
import time

from flask import current_app
from sqlalchemy import text

from webapp import search
from webapp.extensions import db
from webapp.services import storage
from webapp.services.extract import Extraction, ExtractionError, extract

log = logging.getLogger(__name__)

_CLAIM = text("""
    UPDATE documents
       SET status = 'processing', attempts = attempts + 1, updated_at = now(),
           lease_until = now() + make_interval(secs => :lease)
     WHERE id = :id AND status IN ('queued', 'processing') AND counted_at IS NULL
 RETURNING sha256, attempts
""")

# A file that kills its worker every time (memory, crash) must end as failed, not loop forever.
MAX_ATTEMPTS = 8
GAVE_UP = (
    "This workbook could not be processed after several attempts: reading it stopped the worker "
    "each time (it may be far too large or damaged)."
)

# The guard `counted_at IS NULL` and the increment share one transaction: a second run finds
# the document already counted and adds nothing.
_MARK_COUNTED = text("""
    UPDATE documents
       SET status = 'done', total = :total, counted_total = :total, counted_at = now(),
           text = :text, numbers = :numbers, breakdown = CAST(:breakdown AS jsonb),
           error = NULL, lease_until = NULL, updated_at = now()
     WHERE id = :id AND status = 'processing' AND counted_at IS NULL
 RETURNING category_id
""")

_ADD_TO_CATEGORY = text("""
    UPDATE categories
       SET total = total + :total, documents = documents + 1, updated_at = now()
     WHERE id = :category_id
""")

_MARK_FAILED = text("""
    UPDATE documents
       SET status = 'failed', error = :error, lease_until = NULL, updated_at = now()
     WHERE id = :id AND counted_at IS NULL AND status IN ('queued', 'processing')
""")


def process_document(document_id: int) -> str:
    """Extract, count and index one document; return what happened (done, failed or skipped)."""
    started = time.monotonic()
    claimed = _claim(document_id)
    if claimed is None:
        log.info("job=process_document document=%s state=skipped", document_id)
        return "skipped"
    sha256, attempts = claimed
    if attempts > MAX_ATTEMPTS:
        mark_failed(document_id, GAVE_UP)
        return "failed"
    try:
        extraction = extract(storage.path_for(sha256))
    except ExtractionError as exc:
        mark_failed(document_id, str(exc))
        return "failed"
    except FileNotFoundError:
        mark_failed(document_id, "The uploaded file is missing from storage; please upload it again.")
        return "failed"
    state = "done" if count(document_id, extraction) else "skipped"
    search.index_document_quietly(document_id)
    log.info(
        "job=process_document document=%s state=%s seconds=%.2f",
        document_id, state, time.monotonic() - started,
    )
    return state


def _claim(document_id: int) -> tuple[str, int] | None:
    lease = current_app.config["PROCESSING_LEASE_SECONDS"]
    row = db.session.execute(_CLAIM, {"id": document_id, "lease": lease}).first()
    db.session.commit()
    return None if row is None else (row.sha256, row.attempts)


def count(document_id: int, extraction: Extraction) -> bool:
    """Mark the document done and add its sum to its category in one transaction, at most once."""
    params = {
        "id": document_id,
        "total": extraction.total,
        "text": extraction.text,
        "numbers": extraction.numbers,
        "breakdown": json.dumps(extraction.breakdown()),
    }
    category_id = db.session.execute(_MARK_COUNTED, params).scalar()
    if category_id is None:
        db.session.rollback()
        return False
    db.session.execute(_ADD_TO_CATEGORY, {"total": extraction.total, "category_id": category_id})
    db.session.commit()
    return True


def mark_failed(document_id: int, reason: str) -> None:
    """Record why a document could not be processed; a counted document is never touched."""
    db.session.rollback()
    db.session.execute(_MARK_FAILED, {"id": document_id, "error": reason})
    db.session.commit()
    log.info("job=process_document document=%s state=failed reason=%r", document_id, reason)

