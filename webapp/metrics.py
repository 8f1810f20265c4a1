"""What the app counts for Prometheus (prometheus_client): requests, uploads, jobs, extraction and sweeps.

Web processes (gunicorn) and workers record here; the gauges that describe the whole system (queue,
documents by status, workers alive, the last totals check) are read at scrape time instead, by the
System room's collector. With several processes, prometheus_client's multiprocess mode keeps each
process's values in files under one folder (PROMETHEUS_MULTIPROC_DIR) and a scrape adds them up.
"""

import hmac
import ipaddress
import os
import re
import tempfile
import threading
import time
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from flask import Flask, g, request

from webapp.config import Config

# prometheus_client reads the folder from the environment, in every process that records.
if Config.PROMETHEUS_MULTIPROC_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = Config.PROMETHEUS_MULTIPROC_DIR

from prometheus_client import (  # noqa: E402
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    make_wsgi_app,
    multiprocess,
    values,
)
from prometheus_client.exposition import ThreadingWSGIServer  # noqa: E402

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    values.ValueClass = values.MultiProcessValue()

SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

HTTP_REQUESTS = Counter("workbooks_http_requests", "HTTP requests answered, by endpoint, method and status.",
                        ["endpoint", "method", "status"])
HTTP_SECONDS = Histogram("workbooks_http_request_seconds", "Time to answer an HTTP request, by endpoint.",
                         ["endpoint"], buckets=SECONDS)
UPLOADS = Counter("workbooks_uploads", "Files offered for upload: accepted, or refused with the reason.",
                  ["outcome", "reason"])
JOBS = Counter("workbooks_jobs", "Jobs that ended: finished, failed (for good) or retried (failed, tried again later).",
               ["job", "outcome"])
# Every metric has labels, so no value exists before its first use: a process may still choose its folder then.
EXTRACTION_SECONDS = Histogram("workbooks_extraction_seconds", "Time to read one workbook (fetch and extract), by format.",
                               ["format"], buckets=SECONDS)
CELLS = Histogram("workbooks_document_cells", "Cells read from one workbook, by format.", ["format"],
                  buckets=(10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000))
SWEEPS = Counter("workbooks_sweeper_runs", "Sweeps for stranded documents: on a worker's start or Redis's return, "
                 "or every interval.", ["trigger"])
SWEPT = Counter("workbooks_sweeper_requeued_documents", "Documents a sweep queued again.", ["trigger"])

_DEAD_FILE = re.compile(r"_(\d+)\.db$")


def multiprocess_dir() -> str | None:
    """Return the folder the processes share their values through, or None when this process keeps its own."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def fresh_dir(prefix: str) -> str:
    """Make a new empty folder for this process and its children to record in, and record there (set before forking)."""
    path = tempfile.mkdtemp(prefix=prefix)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    values.ValueClass = values.MultiProcessValue()
    return path


def remove_dead_files(path: str) -> int:
    """Delete the value files of processes no longer running (a start's cleaning); return how many went."""
    removed = 0
    for file in Path(path).glob("*.db"):
        match = _DEAD_FILE.search(file.name)
        if match and not _alive(int(match.group(1))):
            file.unlink(missing_ok=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_process_dead(pid: int) -> None:
    """Drop a finished web process's live gauges (gunicorn's child_exit hook); its counters keep counting."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)


def registry(*collectors) -> CollectorRegistry:
    """Build a fresh registry for one scrape: every process's values, plus these collectors."""
    fresh = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(fresh)
    else:
        fresh.register(_ThisProcess())
    for collector in collectors:
        fresh.register(collector)
    return fresh


class _ThisProcess:
    """The values of this process alone, when no folder is shared (tests, one process)."""

    def collect(self):  # noqa: D102 - prometheus_client's collector interface
        yield from REGISTRY.collect()


def refused(reason: str, files: int = 1) -> None:
    """Count files refused at upload, by a short reason."""
    UPLOADS.labels("refused", reason).inc(files)


def accepted(files: int) -> None:
    """Count files accepted at upload."""
    UPLOADS.labels("accepted", "").inc(files)


def job_ended(job: str, outcome: str) -> None:
    """Count a job that finished, failed for good or will be retried."""
    JOBS.labels(job, outcome).inc()


def extracted(kind: str, seconds: float, cells: int) -> None:
    """Record how long one workbook took to read and how many cells it had."""
    EXTRACTION_SECONDS.labels(kind).observe(seconds)
    CELLS.labels(kind).observe(cells)


def swept(requeued: int, trigger: str) -> None:
    """Count one sweep and the documents it queued again."""
    SWEEPS.labels(trigger).inc()
    SWEPT.labels(trigger).inc(requeued)


def scrape_allowed(remote_addr: str | None, authorization: str | None, token: str) -> bool:
    """Tell whether a scrape may read the metrics without a signed-in admin: from this machine, or with the token."""
    if remote_addr and ipaddress.ip_address(remote_addr.split("%")[0]).is_loopback:
        return True
    scheme, _, sent = (authorization or "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())


def serve(port: int, token: str) -> None:
    """Serve this process's metrics (a worker's) on a port, in a background thread, to loopback or the token."""
    exposition = make_wsgi_app(registry())

    def guarded(environ, start_response):
        if scrape_allowed(environ.get("REMOTE_ADDR"), environ.get("HTTP_AUTHORIZATION"), token):
            return exposition(environ, start_response)
        start_response("403 Forbidden", [("Content-Type", "text/plain")])
        return [b"Metrics need the METRICS_TOKEN as a bearer token.\n"]

    server = make_server("0.0.0.0", port, guarded, ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: D102, A002 - every scrape would log a line otherwise
        pass


def init_app(app: Flask) -> None:
    """Time and count every request by endpoint and status."""
    app.before_request(_start_timer)
    app.after_request(_count_request)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _count_request(response):
    endpoint = request.endpoint or "none"
    HTTP_REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    started = g.get("metrics_started")
    if started is not None:
        HTTP_SECONDS.labels(endpoint).observe(time.perf_counter() - started)
    return response
