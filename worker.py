"""RQ worker for the `documents` queue: sweeps stranded documents, then processes jobs."""

import argparse
import contextlib
import gc
import logging
import os
import resource
import signal

import psycopg
from flask import current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, Worker
from rq.timeouts import JobTimeoutException

from webapp import broker, create_app, metrics, search
from webapp.config import Config
from webapp.extensions import db
from webapp.models import FailureKind
from webapp.services.pipeline import processing, queue, storage, sweeper
from webapp.services.pipeline.observed import ObservedJobs
from webapp.workbook.wording import Said

log = logging.getLogger("worker")


class WorkerConfig(Config):
    """The worker's settings: its database connections pass from one work horse to the next (see HandedOnConnections)."""

    # psycopg names the statements it prepares by a count kept in each process: a horse would prepare a name
    # that an earlier horse already prepared on the same connection. Nothing is prepared on the server.
    SQLALCHEMY_ENGINE_OPTIONS = {
        **Config.SQLALCHEMY_ENGINE_OPTIONS,
        "connect_args": {**Config.SQLALCHEMY_ENGINE_OPTIONS["connect_args"], "prepare_threshold": None},
    }


class HandedOnConnections:
    """Each work horse uses the database connections the worker holds, instead of opening its own.

    Opening a connection (and PostgreSQL loading the text search dictionaries into its new backend) cost
    more than a small workbook's whole job. The worker never uses a connection while a horse runs (it
    waits for the horse); a horse that ends with every connection idle, out of any transaction, says so
    through a pipe, and the next horse takes them over. Any other end (killed, crashed, timed out, an error
    while handing back) and the worker closes them all: a transaction left open is rolled back by
    PostgreSQL, and never seen by the next horse.
    """

    _handback: tuple[int, int] | None = None
    _CLEAN = b"c"

    def fork_work_horse(self, job, queue):  # noqa: D102 - RQ hook, forks the horse
        if db.engine.pool.checkedin() == 0:  # opened here, so it outlives the horse (after start, a sweep, a death)
            db.engine.connect().close()
        self._handback = os.pipe()
        gc.freeze()  # the horse's collections then skip the worker's objects, instead of copying their pages
        try:
            super().fork_work_horse(job, queue)  # in the horse this never returns
        finally:
            gc.unfreeze()
            os.close(self._handback[1])

    def perform_job(self, job, queue_, *args, **kwargs):  # noqa: D102 - RQ hook, runs the job in the horse
        try:
            return super().perform_job(job, queue_, *args, **kwargs)
        finally:
            if self._handback is not None:
                _hand_back(self._handback[1], self._CLEAN)

    def wait_for_horse(self):  # noqa: D102 - RQ hook, returns when the horse has ended
        ended = super().wait_for_horse()  # the horse is gone (reaped, or no longer ours): its pipe cannot block
        if self._handback is not None:
            read, self._handback = self._handback[0], None
            try:
                clean = os.read(read, 1) == self._CLEAN
            finally:
                os.close(read)
            if not clean:
                db.engine.dispose()
        return ended


def _hand_back(pipe: int, clean: bytes) -> None:
    """In the horse: end the session, and tell the worker its connections are idle if every one of them is."""
    try:
        db.session.remove()
        pool = db.engine.pool
        records = list(pool._pool.queue)  # the idle connections (SQLAlchemy's QueuePool)
        if pool.checkedout() == 0 and all(_idle(record.dbapi_connection) for record in records):
            os.write(pipe, clean)
    except Exception:  # noqa: BLE001 - silence means "not clean": the worker opens fresh connections
        log.exception("job=hand_back state=failed")


def _idle(connection: psycopg.Connection | None) -> bool:
    """Tell whether a pooled connection can pass on: gone, or open, out of any transaction and without TLS
    (whose session state lives in the process that last used it)."""
    if connection is None:
        return True
    if connection.closed or connection.pgconn.ssl_in_use:
        return False
    return connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


class DocumentWorker(HandedOnConnections, ObservedJobs, Worker):
    """A forking worker whose work horse gets a memory cap, so a hostile file cannot take the host down."""

    def main_work_horse(self, job, queue):  # noqa: D102 - RQ hook, runs in the forked child
        os.close(self._handback[0])
        limit = current_app.config["JOB_MEMORY_MB"] * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        return super().main_work_horse(job, queue)

    def handle_work_horse_killed(self, job, retpid, ret_val, rusage):  # noqa: D102 - RQ hook, runs in the worker
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        reason = horse_death_reason(job, ret_val)
        if reason and queue.counts_a_document(job):
            # RQ will retry the job; the retry finds the document failed and leaves it alone.
            processing.mark_failed(job.args[0], reason, FailureKind.TIMEOUT if ret_val is None else FailureKind.MEMORY)


def horse_death_reason(job, ret_val: int | None) -> Said | None:
    """Say why a document's work horse died, or None when the death says nothing about the file.

    ret_val None: RQ killed the horse itself, past the time limit. A signal other than SIGKILL (SIGABRT
    from a reader that could not allocate under the memory cap, SIGSEGV) or an error exit: the file did
    it. SIGKILL comes from outside (an operator, the kernel, a deploy): the job is retried as usual.
    """
    if ret_val is None:
        return timeout_reason(job)
    if os.WIFSIGNALED(ret_val) and os.WTERMSIG(ret_val) == signal.SIGKILL:
        return None
    return processing.CRASHED_READER


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
            # Never while a horse runs: it is using the worker's database connection (HandedOnConnections).
            if pipeline is None and WatchedQueue.redis_was_away and not self.horse_pid:
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
        if self.horse_pid:
            self.wait_for_horse()
            self._horse_pid = 0


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
    app = create_app(WorkerConfig())
    _serve_metrics(app.config)
    with app.app_context():
        # A job killed outright (SIGKILL) cannot remove its temporary copy of the file: this start does.
        storage.remove_stale_copies(older_than_seconds=2 * app.config["JOB_TIMEOUT_SECONDS"])
        sweeper.sweep(take_turns=False, grace_seconds=0)
        search.backend_class()  # imported once here, not in every work horse
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
    """Record job metrics in a folder shared with the work horses, and serve them on WORKER_METRICS_PORT if set.

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
