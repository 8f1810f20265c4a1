"""gunicorn's settings file (read from the working folder by every `gunicorn wsgi:app`): the metrics folder its
processes share, and the app's log format for gunicorn's own lines."""

from gunicorn.glogging import Logger

from webapp import logs, metrics
from webapp.config import Config


class AppFormatLogger(Logger):
    """gunicorn's logger, writing where it is told (--access-logfile, --error-logfile) in the app's format."""

    def setup(self, cfg):  # noqa: D102 - gunicorn hook, also run again on reload
        super().setup(cfg)
        logs.configure(Config.LOG_FORMAT)


logger_class = AppFormatLogger


def on_starting(server):
    """Give the web processes a clean folder to share metric values through, before any is forked."""
    given = metrics.multiprocess_dir()
    if given:
        # `make run` shares its folder with the workers it started: only the files of processes gone are stale.
        metrics.remove_dead_files(given)
    else:
        metrics.fresh_dir("workbooks-metrics-")


def child_exit(server, worker):
    """Let a web process that exited stop reporting its live values (its counters still count)."""
    metrics.mark_process_dead(worker.pid)
