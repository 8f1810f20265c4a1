"""RQ worker for the `documents` queue: sweeps stranded documents, then processes jobs."""

import argparse
import contextlib
import logging

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, SimpleWorker
from rq.timeouts import JobTimeoutException

from webapp import broker, create_app, metrics, search
from webapp.extensions import db
from webapp.models import FailureKind
from webapp.services.pipeline import processing, queue, storage, sweeper
from webapp.services.pipeline.observed import ObservedJobs
from webapp.workbook.wording import Said

log = logging.getLogger("worker")


class DocumentWorker(ObservedJobs, SimpleWorker):
    """Runs each job in this process, with its warm connections; only the read of the file runs apart, under the
    memory cap (webapp/workbook/contained.py), so a hostile file cannot take the worker or the host down.

    Forking a work horse per job, and the horse's cold caches and connections, cost more than a small workbook's
    whole job. A job that dies with this process (killed, a deploy) is resumed by the sweeper: counted at most once.
    """

    def perform_job(self, job, queue_, *args, **kwargs):  # noqa: D102 - RQ hook, runs the job in this process
        try:
            return super().perform_job(job, queue_, *args, **kwargs)
        finally:
            db.session.remove()  # the next job starts with no transaction of this one (a timeout may cut one short)


def timeout_reason(job) -> Said:
    """Say that a job hit its time limit, naming the limit."""
    return processing.timed_out(job.timeout)


def fail_document_on_timeout(job, exc_type, exc_value, traceback) -> bool:
    """Mark a document failed with a plain reason when its job hits the time limit or runs out of memory."""
    reasons = {
        JobTimeoutException: (timeout_reason(job), FailureKind.TIMEOUT),
        MemoryError: (processing.OUT_OF_MEMORY, FailureKind.MEMORY),
    }
    reason, kind = next((r for error, r in reasons.items() if issubclass(exc_type, error)), (None, None))
    if reason and queue.counts_a_document(job):
        processing.mark_failed(job.args[0], reason, kind)
        return False  # permanent: no retry
    return True


_REDIS_AWAY = (RedisConnectionError, RedisTimeoutError)


class WatchedQueue(Queue):
    """The documents queue as a worker reads it: a read that finds Redis away is remembered, so the worker
    sweeps the moment Redis answers again (uploads made meanwhile were stored with no job)."""

    redis_was_away = False

    @classmethod
    def dequeue_any(cls, *args, **kwargs):  # noqa: D102 - RQ hook, the worker's blocking read
        try:
            return super().dequeue_any(*args, **kwargs)
        except _REDIS_AWAY:
            WatchedQueue.redis_was_away = True
            raise


class SweepingWorker(DocumentWorker):
    """Also puts stranded documents back on their way: between jobs once per sweep interval, and at once
    when Redis returns from an outage. An outage never stops it: it waits in its read loop for Redis."""

    queue_class = WatchedQueue
    # RQ retries a lost Redis with waits doubling up to a minute: after a 20 s outage it could take half
    # a minute more to notice Redis was back. Uploads made meanwhile wait for that, so try every 2 s.
    max_connection_wait_time = 2.0

    def run_maintenance_tasks(self):  # noqa: D102 - RQ hook, runs in the worker process between jobs
        with _through_outage():
            super().run_maintenance_tasks()
            sweeper.sweep()
            sweeper.check_totals_if_due()

    def heartbeat(self, timeout=None, pipeline=None):  # noqa: D102 - RQ hook, the first call of every read attempt
        with _through_outage():
            super().heartbeat(timeout, pipeline)
            # Only from the read loop (pipeline None): never in the middle of a job, which shares the session.
            if pipeline is None and WatchedQueue.redis_was_away:
                WatchedQueue.redis_was_away = False
                log.info("job=sweep reason=redis-back")
                sweeper.sweep(take_turns=False, grace_seconds=0)

    # Outside its read loop RQ stops the worker on any Redis error: these calls wait for the next read instead.

    def check_for_suspension(self, burst):  # noqa: D102 - RQ hook
        with _through_outage():
            super().check_for_suspension(burst)

    def set_state(self, state, pipeline=None):  # noqa: D102 - RQ hook
        with _through_outage():
            super().set_state(state, pipeline)

    def execute_job(self, job, queue):  # noqa: D102 - RQ hook
        with _through_outage():
            return super().execute_job(job, queue)
        # Redis went away while the job ran. Its document's state is in PostgreSQL (counted at most once,
        # or resumed by the sweeper); RQ finds the job's stale record itself once Redis is back.


@contextlib.contextmanager
def _through_outage():
    """Remember, rather than raise, that Redis is away: the worker's next read waits for it to return."""
    try:
        yield
    except _REDIS_AWAY as exc:
        if not WatchedQueue.redis_was_away:
            log.warning("worker state=redis-away reason=%r", str(exc))
        WatchedQueue.redis_was_away = True


def main() -> None:
    """Run the worker until stopped (or until the queue is empty with --burst)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    args = parser.parse_args()
    app = create_app()
    _serve_metrics(app.config)
    with app.app_context():
        # A job killed outright (SIGKILL) cannot remove its temporary copy of the file: this start does.
        storage.remove_stale_copies(older_than_seconds=2 * app.config["JOB_TIMEOUT_SECONDS"])
        sweeper.sweep(take_turns=False, grace_seconds=0)
        search.backend_class()  # imported now, not in the middle of the first job
        interval = app.config["SWEEP_INTERVAL_SECONDS"]
        worker = SweepingWorker(
            [queue.QUEUE_NAME],  # by name: the worker reads it as a WatchedQueue
            connection=broker.connection(),
            exception_handlers=[fail_document_on_timeout],
            # RQ runs maintenance between jobs and after each idle wait of worker_ttl - 15 seconds.
            maintenance_interval=interval,
            worker_ttl=interval + 15,
        )
        worker.work(burst=args.burst, with_scheduler=not args.burst, logging_level="INFO")


def _serve_metrics(config) -> None:
    """Record job metrics in a folder shared with the web processes or a fresh one, and serve them on WORKER_METRICS_PORT if set.

    Under `make run` the folder is the one the web processes read too (their /metrics shows the workers'
    jobs); otherwise each worker makes a fresh one and serves it itself (compose: Prometheus scrapes it).
    """
    port = config["WORKER_METRICS_PORT"]
    if not metrics.multiprocess_dir() and port:
        metrics.fresh_dir("workbooks-worker-metrics-")
    if port:
        metrics.serve(port, config["METRICS_TOKEN"])
        log.info("worker metrics=http://0.0.0.0:%s/metrics", port)


if __name__ == "__main__":
    main()
