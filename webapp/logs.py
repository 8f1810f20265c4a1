"""Logs: one structured line per event, readable key=value text by default or JSON (LOG_FORMAT=json).

Wired once, by the app factory (web processes, commands, the worker): every stdlib logger (ours,
gunicorn's, RQ's, werkzeug's) goes through structlog's formatter, which adds what is bound for the
request or job in hand: `request_id` (taken from X-Request-ID or made here, and returned in that header),
`user`, and in a job `document_id` and `category`. A job carries its upload's request id (job meta, set
by services/pipeline/queue.py), so one upload is followed from request to counted total by one id.
Never logged: passwords, tokens, secrets, cell text (see _REDACTED).
"""

import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO

import structlog
from flask import Flask, g, request

# Fields that must never reach a log line, whoever passes them.
_REDACTED = frozenset({"password", "new_password", "token", "secret", "secret_key", "authorization", "cookie",
                       "text", "cells"})
# A request id from a proxy is believed only when it looks like one (no log injection, bounded length).
_SANE_ID = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
_GUNICORN = ("gunicorn.error", "gunicorn.access")
# Fields a stdlib call may pass with `extra=` (the message stays the readable key=value line).
_EXTRA = ("outcome", "seconds", "cells", "document_id", "category", "mismatches")


def configure(log_format: str = "text", stream: TextIO | None = None, level: int = logging.INFO) -> None:
    """Send every stdlib and structlog logger through one formatter: JSON lines, or readable key=value text."""
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(allow=_EXTRA),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    renderer = (structlog.processors.JSONRenderer() if log_format == "json"
                else structlog.dev.ConsoleRenderer(colors=False, pad_event_to=0))
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, renderer],
    )
    handler = logging.StreamHandler(stream) if stream else _Stderr()
    handler.setFormatter(formatter)
    handler.workbooks = True
    root = logging.getLogger()
    others = [h for h in root.handlers if not getattr(h, "workbooks", False)]
    # Like logging.basicConfig, stand aside when something else already collects the lines (pytest), unless
    # told where to write; an earlier handler of ours is replaced.
    root.handlers[:] = others + ([handler] if stream is not None or not others else [])
    root.setLevel(level)
    for name in _GUNICORN:  # gunicorn's own handlers keep their destinations (--access-logfile) in our format
        for gunicorn_handler in logging.getLogger(name).handlers:
            gunicorn_handler.setFormatter(formatter)
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


class _Stderr(logging.StreamHandler):
    """Write to whatever sys.stderr is when a line is written (test runners swap it for a while)."""

    @property
    def stream(self):  # noqa: D102 - logging.StreamHandler's attribute
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def _redact(logger, method: str, event: dict) -> dict:
    for key in _REDACTED & event.keys():
        event[key] = "[redacted]"
    return event


def bind(**fields) -> None:
    """Add fields to every line logged from here on in this request or job."""
    structlog.contextvars.bind_contextvars(**{k: v for k, v in fields.items() if v is not None})


@contextmanager
def bound(fields: Mapping) -> Iterator[None]:
    """Add fields to every line logged inside the block (a job's context), and drop them after."""
    with structlog.contextvars.bound_contextvars(**{k: v for k, v in fields.items() if v is not None}):
        yield


def context() -> dict:
    """Return what is bound now (a job enqueued now carries it along)."""
    return structlog.contextvars.get_contextvars()


def init_app(app: Flask) -> None:
    """Configure the log format once, give every request an id, and log one line per request."""
    configure(app.config.get("LOG_FORMAT", "text"))
    app.before_request(_begin_request)
    app.after_request(_end_request)
    app.teardown_request(lambda error: structlog.contextvars.clear_contextvars())


def _begin_request() -> None:
    structlog.contextvars.clear_contextvars()
    sent = request.headers.get("X-Request-ID", "")
    g.request_id = sent if _SANE_ID.fullmatch(sent) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    bind(request_id=g.request_id)


def bind_user(username: str | None) -> None:
    """Name who is asking on the request's lines (the accounts call this once they know)."""
    bind(user=username)


_log = structlog.get_logger("webapp.request")


def _end_request(response):
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-ID"] = request_id
        seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
        # The path only: a query string may hold search words, and those are the users' business.
        _log.info("request", method=request.method, path=request.path, endpoint=request.endpoint,
                  status=response.status_code, seconds=round(seconds, 4))
    return response
