"""Turn a queued document into a counted one, exactly once, whatever retries or races happen."""

import json
import logging
import time

from flask import current_app
from sqlalchemy import text

from webapp import logs, metrics, search
from webapp.extensions import db
from webapp.models import ChangeKind, FailureKind
from webapp.services.pipeline import details, faults, ledger, storage
from webapp.workbook.contained import ReaderCrashed, extract_contained
from webapp.workbook.extract import Extraction, ExtractionError, Limits
from webapp.workbook.wording import Said, said, wording

log = logging.getLogger(__name__)

# Statements spell DocumentStatus values as SQL literals, so they read as the table stores them.
# Any job may claim a document that is not counted yet, even one whose lease another job holds: a job
# retried after its worker died must not wait out the lease. Claimants then race harmlessly on the guard.
_CLAIM = text("""
    UPDATE documents
       SET status = 'processing', attempts = attempts + 1, updated_at = now(),
           lease_until = now() + make_interval(secs => :lease)
     WHERE id = :id AND status IN ('queued', 'processing') AND counted_at IS NULL
 RETURNING sha256, attempts, (SELECT name FROM categories c WHERE c.id = documents.category_id) AS category
""")

# A file that kills its worker every time (memory, crash) must end as failed, not loop forever.
MAX_ATTEMPTS = 8
GAVE_UP = said(
    "This workbook could not be processed after several attempts: reading it stopped the worker "
    "each time (it may be far too large or damaged)."
)
MISSING_FILE = said("The uploaded file is missing from storage; please upload it again.")
# What the worker records when the reader dies on a file (webapp/workbook/contained.py), or a job runs out of memory or time.
CRASHED_READER = said(
    "Reading this workbook needed more memory than one file may use, or crashed the reader "
    "(it may be far too large, or built to exhaust memory), so it was stopped."
)
OUT_OF_MEMORY = said("This workbook needs more memory than one file is allowed, so it was stopped.")


def timed_out(seconds: int) -> Said:
    """Say that a job hit its time limit, naming the limit."""
    return said("Processing took longer than the %(seconds)s-second limit for one file, so it was stopped.",
                seconds=str(seconds))

# What extraction stores on a document, written alike when it is first counted and when it is reprocessed.
_EXTRACTED = "total = :total, text = :text, numbers = :numbers, breakdown = CAST(:breakdown AS jsonb)"

# The guard `counted_at IS NULL` and the increment share one transaction: a second run finds
# the document already counted and adds nothing.
_MARK_COUNTED = text(f"""
    UPDATE documents
       SET status = 'done', {_EXTRACTED}, counted_total = :total, counted_at = now(),
           error = NULL, error_wording = NULL, failure_kind = NULL, lease_until = NULL, indexed_at = NULL,
           updated_at = now()
     WHERE id = :id AND status = 'processing' AND counted_at IS NULL
 RETURNING category_id, filename, uploaded_by_id
""")

_RELEASE = text("""
    UPDATE documents
       SET status = 'queued', attempts = greatest(attempts - 1, 0), lease_until = NULL, updated_at = now()
     WHERE id = :id AND status = 'processing' AND counted_at IS NULL
""")

_MARK_FAILED = text("""
    UPDATE documents
       SET status = 'failed', error = :error, error_wording = CAST(:wording AS jsonb), failure_kind = :kind,
           lease_until = NULL, updated_at = now()
     WHERE id = :id AND counted_at IS NULL AND status IN ('queued', 'processing')
""")

# Reprocessing swaps a counted document's contribution for a new one. FOR UPDATE makes `old` exactly the
# value being replaced, even when two reprocessing jobs or a deletion race.
_COUNTED_ROW = """
    WITH old AS (
        SELECT id, counted_total FROM documents
         WHERE id = :id AND status = 'done' AND counted_at IS NOT NULL
           FOR UPDATE
    )
"""
_REPLACE_COUNTED = text(f"""{_COUNTED_ROW}
    UPDATE documents d
       SET {_EXTRACTED}, counted_total = :total, counted_at = now(), indexed_at = NULL, updated_at = now()
      FROM old
     WHERE d.id = old.id
 RETURNING d.category_id, d.filename, old.counted_total AS old_total
""")
# A reprocessed file that can no longer be read stops counting: failed files add nothing.
_WITHDRAW_COUNTED = text(f"""{_COUNTED_ROW}
    UPDATE documents d
       SET status = 'failed', error = :error, error_wording = CAST(:wording AS jsonb), failure_kind = :kind,
           total = NULL, counted_total = NULL, counted_at = NULL, indexed_at = NULL, updated_at = now()
      FROM old
     WHERE d.id = old.id
 RETURNING d.category_id, d.filename, old.counted_total AS old_total
""")
_BEHIND_INDEX = text("SELECT 1 FROM documents WHERE id = :id AND status = 'done' AND indexed_at IS NULL")
_SHA256 = text("SELECT sha256 FROM documents WHERE id = :id AND status = 'done' AND counted_at IS NOT NULL")


def process_document(document_id: int) -> str:
    """Extract, count and index one document; return what happened (done, failed, indexed or skipped)."""
    started = time.monotonic()
    logs.bind(document_id=document_id)
    claimed = _claim(document_id)
    if claimed is None:
        # Already counted (or gone): a run cut short after its commit may still owe the index.
        state = "indexed" if _index_if_behind(document_id) else "skipped"
        _log(document_id, state, started)
        return state
    sha256, attempts = claimed
    faults.point("after_claim")
    if attempts > MAX_ATTEMPTS:
        mark_failed(document_id, GAVE_UP, FailureKind.CRASH)
        return "failed"
    extraction = _extract_or_fail(document_id, sha256)
    if extraction is None:
        return "failed"
    faults.point("before_count")
    counted = count(document_id, extraction)
    faults.point("after_commit")
    if counted:
        _index(document_id)
    state = "done" if counted else "skipped"
    _log(document_id, state, started)
    return state


def _claim(document_id: int) -> tuple[str, int] | None:
    lease = current_app.config["PROCESSING_LEASE_SECONDS"]
    row = db.session.execute(_CLAIM, {"id": document_id, "lease": lease}).first()
    db.session.commit()
    if row is None:
        return None
    logs.bind(category=row.category)
    return row.sha256, row.attempts


def _extract_or_fail(document_id: int, sha256: str) -> Extraction | None:
    """Read the stored file; a file that can never be read fails the document at once, with the reason.

    If the file store is away, the claim is handed back and StorageUnavailable raised: RQ retries the job with
    backoff (and the sweeper re-sends a queued document), so the document waits instead of failing.
    """
    try:
        return _extract_stored(sha256)
    except ExtractionError as exc:
        mark_failed(document_id, wording(exc), FailureKind.FILE)
    except ReaderCrashed as exc:
        log.warning("job=process_document document=%s reader=crashed reason=%r", document_id, str(exc))
        mark_failed(document_id, CRASHED_READER, FailureKind.MEMORY)
    except (storage.ObjectMissing, FileNotFoundError):
        mark_failed(document_id, MISSING_FILE, FailureKind.MISSING)
    except storage.StorageUnavailable as exc:
        _release(document_id)
        log.warning("job=process_document document=%s state=deferred reason=%r", document_id, str(exc))
        raise
    return None


def _extract_stored(sha256: str) -> Extraction:
    """Fetch the stored file into a temporary file (removed whatever happens) and extract it under the memory cap."""
    started = time.monotonic()
    with storage.fetched(sha256) as path:
        extraction = extract_contained(path, _limits(), current_app.config["JOB_MEMORY_MB"] * 2**20)
    cells = sum(sum(sheet.cells.values()) for sheet in extraction.sheets)
    metrics.extracted(extraction.kind, time.monotonic() - started, cells)
    return extraction


def _release(document_id: int) -> None:
    """Hand a claim back without counting the attempt: the store being away says nothing about the file."""
    db.session.rollback()
    db.session.execute(_RELEASE, {"id": document_id})
    db.session.commit()


def _limits() -> Limits:
    """Return the configured limits for one workbook."""
    config = current_app.config
    return Limits(config["MAX_UNZIPPED_MB"] * 2**20, config["MAX_CELLS"], config["MAX_SHEETS"])


def _fields(document_id: int, extraction: Extraction) -> dict:
    return {
        "id": document_id,
        "total": extraction.total,
        "text": extraction.text,
        "numbers": extraction.numbers,
        "breakdown": json.dumps(extraction.breakdown()),
    }


def count(document_id: int, extraction: Extraction) -> bool:
    """Mark the document done and add its sum to its category (with its ledger row) in one transaction, at most once."""
    row = db.session.execute(_MARK_COUNTED, _fields(document_id, extraction)).first()
    if row is None:
        db.session.rollback()
        return False
    ledger.change(row.category_id, ChangeKind.COUNTED, extraction.total, files=1,
                  source=ledger.Source(document_id, row.filename), by=row.uploaded_by_id)
    details.store(document_id, extraction)
    db.session.commit()
    return True


def _failure(document_id: int, reason: Said | str, kind: FailureKind) -> dict:
    """Return a failure's columns: the reason in English, and as a sentence pages translate (when it is one)."""
    stored = json.dumps(reason.as_json()) if isinstance(reason, Said) else None
    return {"id": document_id, "error": str(reason), "wording": stored, "kind": kind.value}


def mark_failed(document_id: int, reason: Said | str, kind: FailureKind) -> None:
    """Record why a document could not be processed, and the kind of failure; a counted document is never touched."""
    db.session.rollback()
    db.session.execute(_MARK_FAILED, _failure(document_id, reason, kind))
    db.session.commit()
    log.info("job=process_document document=%s state=failed kind=%s reason=%r", document_id, kind.value, str(reason),
             extra={"outcome": "failed"})


def reprocess_document(document_id: int, by: int | None = None) -> str:
    """Read a counted document again and replace its contribution atomically; return replaced, failed or skipped.

    `by` is the user who asked for it, named on the ledger row.
    """
    started = time.monotonic()
    sha256 = db.session.execute(_SHA256, {"id": document_id}).scalar()
    db.session.rollback()
    if sha256 is None:
        return "skipped"
    try:
        extraction = _extract_stored(sha256)  # StorageUnavailable: RQ retries, the counted total stays
    except ExtractionError as exc:
        return _withdraw(document_id, wording(exc), FailureKind.FILE, by)
    except (storage.ObjectMissing, FileNotFoundError):
        return _withdraw(document_id, MISSING_FILE, FailureKind.MISSING, by)
    faults.point("before_replace")
    row = db.session.execute(_REPLACE_COUNTED, _fields(document_id, extraction)).first()
    if row is None:  # deleted or withdrawn meanwhile
        db.session.rollback()
        return "skipped"
    # One row with the difference: the total moves once, by new − old.
    ledger.change(row.category_id, ChangeKind.REPROCESSED, extraction.total - row.old_total,
                  source=ledger.Source(document_id, row.filename), by=by)
    details.store(document_id, extraction)
    db.session.commit()
    _index(document_id)
    log.info(
        "job=reprocess_document document=%s state=replaced old_total=%s total=%s seconds=%.2f",
        document_id, row.old_total, extraction.total, time.monotonic() - started,
    )
    return "replaced"


def _withdraw(document_id: int, reason: Said | str, kind: FailureKind, by: int | None) -> str:
    row = db.session.execute(_WITHDRAW_COUNTED, _failure(document_id, reason, kind)).first()
    if row is None:
        db.session.rollback()
        return "skipped"
    ledger.change(row.category_id, ChangeKind.WITHDRAWN, -row.old_total, files=-1,
                  source=ledger.Source(document_id, row.filename), by=by)
    details.drop(document_id)
    db.session.commit()
    _unindex(document_id)
    log.info("job=reprocess_document document=%s state=failed withdrawn=%s reason=%r", document_id, row.old_total, str(reason))
    return "failed"


def _index_if_behind(document_id: int) -> bool:
    behind = db.session.execute(_BEHIND_INDEX, {"id": document_id}).first() is not None
    db.session.rollback()
    if behind:
        _index(document_id)
    return behind


def _index(document_id: int) -> None:
    """Index after the commit; if search is away the job fails and retries later, the total already counted."""
    try:
        search.index_document(document_id)
    except search.SearchUnavailable as exc:
        log.warning("job=index document=%s state=deferred reason=%r", document_id, str(exc))
        raise


def _unindex(document_id: int) -> None:
    try:
        search.delete_document(document_id)
    except search.SearchUnavailable as exc:
        # The index is derived from PostgreSQL: `flask search reindex` drops what is left behind.
        log.warning("job=unindex document=%s state=deferred reason=%r", document_id, str(exc))


def _log(document_id: int, state: str, started: float) -> None:
    seconds = time.monotonic() - started
    log.info("job=process_document document=%s state=%s seconds=%.2f", document_id, state, seconds,
             extra={"outcome": state, "seconds": round(seconds, 3)})
