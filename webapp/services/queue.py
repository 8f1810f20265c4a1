"""The one place that knows how document jobs are put on the `documents` queue."""

import logging

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry

QUEUE_NAME = "documents"
# Transient failures (database or search briefly away) retry with growing pauses.
RETRY = Retry(max=5, interval=[5, 15, 60, 120, 300])

log = logging.getLogger(__name__)


def connection() -> Redis:
    """Return the app's Redis connection, made once per app."""
    redis = current_app.extensions.get("redis")
    if redis is None:
        redis = Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=2)
        current_app.extensions["redis"] = redis
    return redis


def documents_queue() -> Queue:
    """Return the single queue that carries extraction, indexing and total updates."""
    return Queue(QUEUE_NAME, connection=connection())


def enqueue_document(document_id: int) -> bool:
    """Queue a document for processing; return False (and leave it for the sweeper) if Redis is away."""
    try:
        documents_queue().enqueue(
            "webapp.jobs.process_document",
            document_id,
            job_timeout=current_app.config["JOB_TIMEOUT_SECONDS"],
            retry=RETRY,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            description=f"process document {document_id}",
        )
    except RedisError as exc:
        log.warning("job=enqueue document=%s state=deferred reason=%r", document_id, str(exc))
        return False
    return True
