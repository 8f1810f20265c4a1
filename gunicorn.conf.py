"""gunicorn's settings file (read from the working folder by every `gunicorn wsgi:app`): metrics shared by its processes."""

from webapp import logs, metrics
from webapp.config import Config


def on_starting(server):
    """Give the web processes a clean folder to share metric values through, before any is forked, and the
    master's own lines the app's log format."""
    logs.configure(Config.LOG_FORMAT)
    given = metrics.multiprocess_dir()
    if given:
        # `make run` shares its folder with the workers it started: only the files of processes gone are stale.
        metrics.remove_dead_files(given)
    else:
        metrics.fresh_dir("workbooks-metrics-")


def child_exit(server, worker):
    """Let a web process that exited stop reporting its live values (its counters still count)."""
    metrics.mark_process_dead(worker.pid)
