"""The gauges read at scrape time: queue, documents by status, workers, the last totals check (a collector of our own)."""

from prometheus_client.core import GaugeMetricFamily

from webapp.extensions import db
from webapp.services.answers import system


class SystemCollector:
    """Describe the whole system as one web process sees it in PostgreSQL and Redis, at each scrape."""

    def collect(self):  # noqa: D102 - prometheus_client's collector interface
        try:
            yield from self._queue()
            yield from self._documents()
            yield from self._totals()
        finally:
            db.session.commit()

    def _queue(self):
        waiting = system.queue_facts()
        yield GaugeMetricFamily("workbooks_queue_depth", "Jobs waiting on the documents queue.", value=waiting["depth"])
        yield GaugeMetricFamily("workbooks_queue_oldest_seconds", "How long the oldest waiting job has waited (0: none).",
                                value=waiting["oldest_seconds"] or 0)
        later = system.retries_and_failures()
        yield GaugeMetricFamily("workbooks_jobs_scheduled", "Jobs waiting for a retry.", value=later["scheduled"])
        yield GaugeMetricFamily("workbooks_jobs_failed_kept", "Jobs that failed for good, kept a week.", value=later["failed"])
        workers = GaugeMetricFamily("workbooks_workers", "Workers alive (heartbeating), by state.", labels=["state"])
        states: dict[str, int] = {"busy": 0, "idle": 0}
        for worker in system.workers():
            states[worker.state] = states.get(worker.state, 0) + 1
        for state, count in sorted(states.items()):
            workers.add_metric([state], count)
        yield workers

    def _documents(self):
        by_status = GaugeMetricFamily("workbooks_documents", "Documents by status.", labels=["status"])
        for status, count in system.documents().items():
            by_status.add_metric([status], count)
        yield by_status
        yield GaugeMetricFamily("workbooks_documents_unsearchable", "Documents counted but not yet searchable.",
                                value=system.unsearchable())

    def _totals(self):
        check = system.totals_check()
        ran = check["at"] is not None
        yield GaugeMetricFamily("workbooks_totals_check_mismatches",
                                "Categories whose total differed from their documents at the last check (-1: never checked).",
                                value=check["mismatches"] if ran else -1)
        yield GaugeMetricFamily("workbooks_totals_check_timestamp_seconds", "When totals were last checked (0: never).",
                                value=check["at"].timestamp() if ran else 0)
