"""The bench's own services: embedded PostgreSQL and Redis when no URLs are given, gunicorn, RQ workers."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from webapp.embedded import EmbeddedPostgres, EmbeddedRedis, free_port

ROOT = Path(__file__).resolve().parent.parent


class Stack:
    """Everything the bench starts, stopped in reverse order by `close()`."""

    def __init__(self, backend: str):
        self.folder = Path(tempfile.mkdtemp(prefix="wb-bench-"))
        self._servers: list = []
        self._children: list[subprocess.Popen] = []
        self.env = dict(os.environ)
        self.env.setdefault("SECRET_KEY", "bench-secret")
        self.env["UPLOAD_FOLDER"] = str(self.folder / "uploads")
        self.env["INSTANCE_DIR"] = str(self.folder)
        # One token sends every upload of a run, more than a person's limits allow; the checks still run.
        self.env.setdefault("UPLOAD_RATE", "1000000 per hour")
        self.env.setdefault("UPLOAD_QUOTA_MB", "1000000")
        self.backend = backend
        self.search_server = "PostgreSQL full-text search"
        if backend == "postgres":
            self.env["ELASTICSEARCH_URL"] = ""
        elif self.env.get("ELASTICSEARCH_URL"):
            self.search_server = "Elasticsearch at ELASTICSEARCH_URL"

    def start_databases(self) -> None:
        """Start embedded PostgreSQL and Redis for whichever URL the environment does not give."""
        if not self.env.get("DATABASE_URL"):
            postgres = EmbeddedPostgres(self.folder / "postgres", delete_on_stop=True)
            self.env["DATABASE_URL"] = postgres.start("bench")
            self._servers.append(postgres)
        if not self.env.get("REDIS_URL"):
            redis = EmbeddedRedis(self.folder / "redis", persistent=False)
            self.env["REDIS_URL"] = redis.start()
            self._servers.append(redis)
        if self.backend == "elasticsearch" and not self.env.get("ELASTICSEARCH_URL"):
            self.env["ELASTICSEARCH_URL"] = self._start_emulator()
            self.search_server = "noida-db Elasticsearch-API emulator (no ELASTICSEARCH_URL; not a real cluster)"

    def _start_emulator(self) -> str:
        """Start noida-db (an Elasticsearch REST API emulator from PyPI, a dev dependency) on a free port."""
        try:
            from importlib.resources import files

            binary = Path(str(files("noida_db").joinpath("noida-db")))
        except ModuleNotFoundError:
            raise SystemExit("--backend elasticsearch needs ELASTICSEARCH_URL, or noida-db from "
                             "requirements-dev.txt for a local emulator.") from None
        binary.chmod(binary.stat().st_mode | 0o100)
        port = free_port()
        child = self._spawn([str(binary), "start", "--data-dir", str(self.folder / "elasticsearch"),
                             "--only", "elasticsearch", "--elasticsearch-port", str(port)])
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, child, timeout=30)
        return url

    def serve(self, app: str = "wsgi:app", workers: int = 2, threads: int = 4,
              **settings: str) -> tuple[str, subprocess.Popen]:
        """Serve `app` with gunicorn on a free local port (the `make run` settings); return its base URL."""
        port = free_port()
        child = self._spawn([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
                             "--workers", str(workers), "--threads", str(threads), "--log-level", "warning", app],
                            settings)
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{base}/healthz", child)
        return base, child

    def start_workers(self, count: int) -> list[subprocess.Popen]:
        """Start `count` worker processes exactly as production does (`python worker.py`)."""
        return [self._spawn([sys.executable, "worker.py"]) for _ in range(count)]

    def _spawn(self, command: list[str], settings: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.folder / f"{Path(command[-1]).stem}-{len(self._children)}.log", "ab")
        child = subprocess.Popen(command, cwd=ROOT, env={**self.env, **(settings or {})}, stdout=log, stderr=log,
                                 start_new_session=True)
        self._children.append(child)
        return child

    def stop(self, child: subprocess.Popen) -> None:
        """Stop one child and whatever it forked (SIGTERM, then SIGKILL after 30 s)."""
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()

    def close(self) -> None:
        """Stop every child and server, then remove the bench folder."""
        for child in reversed(self._children):
            self.stop(child)
        for server in reversed(self._servers):
            server.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _wait_until_up(url: str, child: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise SystemExit(f"{child.args[-1]} exited with code {child.returncode}; see its log in the bench folder.")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"The app did not answer {url} within {timeout:.0f} s.")
