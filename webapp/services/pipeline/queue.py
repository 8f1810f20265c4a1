"""The one place that knows how document jobs are put on the `documents` queue."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry

from webapp import logs
from webapp.broker import DOCUMENTS_QUEUE, REBUILD_JOB_ID, connection
from webapp.services.pipeline import details, processing, reindex

QUEUE_NAME = DOCUMENTS_QUEUE
# Transient failures (database or search briefly away) retry with growing pauses.
RETRY = Retry(max=5, interval=[5, 15, 60, 120, 300])
# A retry this late means no scheduler is running (its worker died): queue the document again now.
OVERDUE = timedelta(seconds=30)
# What an enqueue did: queued a fresh job, found one still waiting, or found Redis away.
QUEUED, WAITING, DEFERRED = "queued", "waiting", "deferred"

# Jobs queued before the jobs were enqueued by reference name the function by this older path (webapp/jobs.py).
_LEGACY_PROCESS_JOB = "webapp.jobs.process_document"

log = logging.getLogger(__name__)
# The log fields a job takes along from the request that queued it (job meta), so its worker's lines carry them.
CARRIED = "log"
_CARRIED_FIELDS = ("request_id", "user")


def documents_queue() -> Queue:
    """Return the single queue that carries extraction, indexing and total updates."""
    return Queue(QUEUE_NAME, connection=connection())


def job_id(document_id: int, action: str = "process") -> str:
    """Return the id of a document's job: one per document and action, so re-enqueueing cannot pile up."""
    return f"{action}-document-{document_id}"


def enqueue_document(document_id: int) -> bool:
    """Queue a document unless its job is already waiting; return False (the sweeper retries) if Redis is away."""
    return _enqueue(processing.process_document, document_id, "process") != DEFERRED


def enqueue_reprocess(document_id: int, by: int | None = None) -> bool:
    """Queue a counted document to be read again on behalf of user `by`; return False if Redis is away."""
    return _enqueue(processing.reprocess_document, document_id, "reprocess", by) != DEFERRED


def enqueue_details(document_id: int) -> bool:
    """Queue the job that builds an older document's preview and cell list; return False if Redis is away."""
    return _enqueue(details.build_details, document_id, "details") != DEFERRED
# Indexing every document can take far longer than one file may: a rebuild gets its own limit.
REBUILD_TIMEOUT_SECONDS = 6 * 3600


def enqueue_rebuild() -> str:
    """Queue the search index rebuild unless one is waiting or running; return queued, waiting or deferred."""
    queue = documents_queue()
    try:
        job = Job.fetch(REBUILD_JOB_ID, connection=queue.connection)
        if job.get_status() in (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED):
            return WAITING
        job.delete()
    except NoSuchJobError:
        pass
    except RedisError:
        return DEFERRED
    try:
        queue.enqueue(reindex.rebuild_search_index, job_id=REBUILD_JOB_ID, job_timeout=REBUILD_TIMEOUT_SECONDS,
                      result_ttl=7 * 24 * 3600, failure_ttl=7 * 24 * 3600, description="rebuild the search index",
                      meta={CARRIED: _carried(), "done": 0, "total": None})
    except RedisError as exc:
        log.warning("job=enqueue action=rebuild_search_index state=deferred reason=%r", str(exc))
        return DEFERRED
    return QUEUED


def requeue_documents(document_ids: list[int]) -> int:
    """Queue again each document whose job is no longer waiting; return how many were queued again."""
    queue = documents_queue()
    try:
        # One read of the whole list instead of a lookup per document: a long backlog stays cheap to sweep.
        listed = {id.decode() for id in queue.connection.lrange(queue.key, 0, -1)}
    except RedisError as exc:
        log.warning("job=requeue documents=%s state=deferred reason=%r", len(document_ids), str(exc))
        return 0
    outcomes = [
        _enqueue(processing.process_document, document_id, "process")
        for document_id in document_ids
        if job_id(document_id) not in listed
    ]
    return outcomes.count(QUEUED)


def _enqueue(function: Callable[..., str], document_id: int, action: str, by: int | None = None) -> str:
    """Queue the job unless it is waiting already; say which happened, or that Redis is away."""
    queue = documents_queue()
    try:
        if _waiting(queue, job_id(document_id, action)):
            return WAITING
        queue.enqueue(
            function,
            document_id,
            *([by] if by is not None else []),
            job_id=job_id(document_id, action),
            job_timeout=current_app.config["JOB_TIMEOUT_SECONDS"],
            retry=RETRY,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            description=f"{action} document {document_id}",
            meta={CARRIED: _carried()},
        )
    except RedisError as exc:
        log.warning("job=enqueue document=%s action=%s state=deferred reason=%r", document_id, action, str(exc))
        return DEFERRED
    return QUEUED


def _waiting(queue: Queue, id: str) -> bool:
    """Tell whether this job will still run; otherwise clear its old record so a fresh one can take the id."""
    try:
        job = Job.fetch(id, connection=queue.connection)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    if status == JobStatus.DEFERRED:
        return True
    # A queued job is only waiting if it is still in the list: a worker killed just after taking it
    # leaves it "queued" in RQ's intermediate list, which RQ itself only notices minutes later.
    if status == JobStatus.QUEUED and queue.connection.lpos(queue.key, id) is not None:
        return True
    if status == JobStatus.SCHEDULED and not _overdue(queue, job):
        return True
    # Finished, failed, overdue, or started by a worker that died: a live run is still safe to
    # duplicate, because a document is counted at most once.
    job.delete()
    return False


def _overdue(queue: Queue, job: Job) -> bool:
    try:
        due = ScheduledJobRegistry(queue=queue).get_scheduled_time(job)
    except NoSuchJobError:
        return True
    return due < datetime.now(UTC) - OVERDUE


def counts_a_document(job: Job) -> bool:
    """Tell whether a job is a document's processing job (whose failure should fail the document)."""
    function = processing.process_document
    return job.func_name in (f"{function.__module__}.{function.__qualname__}", _LEGACY_PROCESS_JOB)


def _carried() -> dict:
    bound = logs.context()
    return {name: bound[name] for name in _CARRIED_FIELDS if name in bound}


def carried(job: Job) -> dict:
    """Return the log fields a job brought from the request that queued it, with its own name."""
    return {**job.meta.get(CARRIED, {}), "job": job_kind(job)}


def job_kind(job: Job) -> str:
    """Return the short name of a job's function (process_document, reprocess_document, …)."""
    return (job.func_name or "unknown").rsplit(".", 1)[-1]
