"""What the System page, GET /api/system and the metrics collector read: the health of the whole system."""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import func, select, text

from webapp import search
from webapp.accounts import scope
from webapp.accounts.scope import Scope
from webapp.broker import DOCUMENTS_QUEUE, REBUILD_JOB_ID, TOTALS_CHECK_KEY, connection
from webapp.extensions import db
from webapp.models import Document, DocumentStatus
from webapp.version import __version__

_DOCUMENT_JOB = re.compile(r"(?:re)?process-document-(\d+)$")
# Every file the store keeps once, whichever categories share it (content-addressed by sha256).
_STORED = text("SELECT count(*), coalesce(sum(size), 0) FROM (SELECT DISTINCT ON (sha256) size FROM documents) s")


@dataclass
class WorkerFacts:
    """One live worker: busy or idle, the document in hand, and since when (that job's start, or the worker's)."""

    name: str
    state: str
    document_id: int | None
    since: datetime | None


def _queue() -> Queue:
    return Queue(DOCUMENTS_QUEUE, connection=connection())


def workers(visible: Scope | None = None) -> list[WorkerFacts]:
    """Return the workers registered on the queue (a worker that stops heartbeating drops out by itself)."""
    found = []
    for worker in sorted(Worker.all(queue=_queue()), key=lambda w: w.name):
        execution = worker.execution
        match = _DOCUMENT_JOB.match(execution.job_id) if execution else None
        found.append(WorkerFacts(worker.name, worker.get_state(), int(match.group(1)) if match else None,
                                 execution.created_at if execution else worker.birth_date))
    if visible is not None and not visible.everything:
        shown = _visible_ids(visible, [w.document_id for w in found if w.document_id])
        for worker in found:
            worker.document_id = worker.document_id if worker.document_id in shown else None
    return found


def _visible_ids(visible: Scope, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(db.session.scalars(visible.visible_documents(select(Document.id).where(Document.id.in_(ids)))))


def queue_facts() -> dict:
    """Return how many jobs wait on the queue and how long the oldest has waited, in seconds."""
    waiting = _queue()
    depth = waiting.count
    oldest = None
    for job_id in waiting.get_job_ids(0, 10):  # the head is the oldest; skip ids whose job is gone
        try:
            enqueued = Job.fetch(job_id, connection=waiting.connection).enqueued_at
        except NoSuchJobError:
            continue
        if enqueued is not None:
            oldest = max(0.0, (datetime.now(UTC) - enqueued.replace(tzinfo=UTC)).total_seconds())
            break
    return {"depth": depth, "oldest_seconds": None if oldest is None else round(oldest, 1)}


def retries_and_failures() -> dict[str, int]:
    """Return how many jobs wait for a retry and how many failed for good (kept a week)."""
    waiting = _queue()
    return {"scheduled": ScheduledJobRegistry(queue=waiting).count, "failed": FailedJobRegistry(queue=waiting).count}


def documents(visible: Scope | None = None) -> dict[str, int]:
    """Return how many documents are in each status."""
    query = select(Document.status, func.count()).group_by(Document.status)
    counts = dict(db.session.execute(visible.visible_documents(query) if visible else query).all())
    return {status.value: int(counts.get(status, 0)) for status in DocumentStatus}


def unsearchable(visible: Scope | None = None) -> int:
    """Return how many documents are counted but not yet searchable."""
    query = select(func.count()).select_from(Document).where(
        Document.status == DocumentStatus.DONE, Document.indexed_at.is_(None))
    return int(db.session.scalar(visible.visible_documents(query) if visible else query))


def totals_check() -> dict:
    """Return when totals were last checked against their documents and how many categories differed then."""
    raw = connection().get(TOTALS_CHECK_KEY)
    if not raw:
        return {"at": None, "mismatches": None}
    record = json.loads(raw)
    return {"at": datetime.fromisoformat(record["at"]), "mismatches": int(record["mismatches"])}


def storage(visible: Scope | None = None) -> dict[str, int]:
    """Return how many distinct files are stored and their bytes (all regions' files share the store)."""
    if visible is not None and not visible.everything:
        sizes = visible.visible_documents(select(Document.sha256, Document.size)).distinct(Document.sha256).subquery()
        files, size = db.session.execute(select(func.count(), func.coalesce(func.sum(sizes.c.size), 0))).one()
    else:
        files, size = db.session.execute(_STORED).one()
    return {"files": int(files), "bytes": int(size)}


def database_bytes() -> int:
    """Return the size of the database on disk."""
    return int(db.session.scalar(text("SELECT pg_database_size(current_database())")))


def search_facts() -> dict[str, str]:
    """Return the live search backend, whether it answers, and its version."""
    try:
        described = search.describe()
        status = "ok" if search.backend().ping() else "down"
    except Exception as exc:  # noqa: BLE001 - a backend away is a fact to show, not an error
        db.session.rollback()
        return {"backend": "elasticsearch", "status": f"down: {type(exc).__name__}", "version": "unknown"}
    return {**described, "status": status}


def versions(search_version: str) -> dict[str, str]:
    """Return the versions of the app, PostgreSQL, Redis and search."""
    redis_version = connection().info("server").get("redis_version", "unknown")
    postgres = db.session.scalar(text("SHOW server_version"))
    return {"app": __version__, "postgresql": str(postgres), "redis": str(redis_version), "search": search_version}


def rebuild_progress() -> dict | None:
    """Return the search index rebuild's state and progress ({"status", "done", "total"}), or None if none ran."""
    try:
        job = Job.fetch(REBUILD_JOB_ID, connection=connection())
    except NoSuchJobError:
        return None
    status = job.get_status(refresh=False)
    return {"status": status.value if status else "unknown", "done": job.meta.get("done", 0),
            "total": job.meta.get("total"), "error": job.meta.get("error")}


def overview() -> dict:
    """Return every fact of the System page for the person asking (document counts within their regions)."""
    visible = scope.current()
    found = search_facts()
    facts = {
        "workers": [w.__dict__ for w in workers(visible)],
        "queue": queue_facts(),
        "documents": documents(visible),
        "unsearchable": unsearchable(visible),
        "totals_check": totals_check(),
        "storage": storage(visible),
        "search": {"backend": found["backend"], "status": found["status"]},
        "versions": versions(found["version"]),
    }
    db.session.commit()
    return facts


def newest_in(status: DocumentStatus, limit: int = 10) -> list[Document]:
    """Return the newest documents in a status that the person asking may see (the page links to them)."""
    query = select(Document).where(Document.status == status).order_by(Document.updated_at.desc()).limit(limit)
    return list(db.session.scalars(scope.current().visible_documents(query)))
