"""How any RQ worker runs our jobs: with the log fields of the request that queued them, counted when they end."""

import structlog

from webapp import logs, metrics
from webapp.services.pipeline import queue


class ObservedJobs:
    """Mix into an RQ worker class (the worker of worker.py, or the tests' SimpleWorker)."""

    def perform_job(self, job, queue_, *args, **kwargs):  # noqa: D102 - RQ hook, runs the job
        structlog.contextvars.clear_contextvars()  # nothing of the previous job's document
        try:
            with logs.bound(queue.carried(job)):
                return super().perform_job(job, queue_, *args, **kwargs)
        finally:
            structlog.contextvars.clear_contextvars()

    def handle_job_success(self, job, *args, **kwargs):  # noqa: D102 - RQ hook
        super().handle_job_success(job, *args, **kwargs)
        metrics.job_ended(queue.job_kind(job), "finished")

    def handle_job_failure(self, job, *args, **kwargs):  # noqa: D102 - RQ hook
        retried = job.should_retry and self._stopped_job_id != job.id
        super().handle_job_failure(job, *args, **kwargs)
        metrics.job_ended(queue.job_kind(job), "retried" if retried else "failed")
