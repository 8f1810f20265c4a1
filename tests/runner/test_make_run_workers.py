"""`make run WORKERS=4`: four real workers share the uploads, totals stay exact, a dead worker is replaced."""

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psutil
import pytest

from tests.live_http import api_token, eventually, multipart, request
from webapp.embedded import free_port

# The runner and its servers and workers, started for real: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _workers_of(runner: subprocess.Popen) -> list[psutil.Process]:
    """The runner's live worker processes (a killed one stays a zombie until the runner notices)."""
    alive = []
    for child in psutil.Process(runner.pid).children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "worker.py" in child.cmdline():
                alive.append(child)
        except psutil.Error:
            pass
    return alive


@pytest.fixture
def runner_with_four_workers(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "UPLOAD_FOLDER")}
    env.update(INSTANCE_DIR=str(tmp_path / "instance"), PORT=str(port), WEB_CONCURRENCY="1", WORKERS="4",
               ADMIN_USER="operator", ADMIN_PASSWORD="a long test password")
    process = subprocess.Popen([sys.executable, "-m", "webapp.runner"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        def up():
            assert process.poll() is None, f"the runner exited with code {process.returncode}"
            return request(f"{base}/healthz")[0] == 200

        eventually(up, 90, "the app to answer /healthz")
        yield process, base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def test_four_workers_keep_totals_exact_and_a_dead_one_is_replaced(runner_with_four_workers, make_workbook):
    process, base = runner_with_four_workers
    workers = eventually(lambda: len(_workers_of(process)) == 4 and _workers_of(process), 30, "four workers")
    token = api_token(base, "operator", "a long test password")  # ADMIN_USER + ADMIN_PASSWORD made this admin
    request(f"{base}/api/categories", json.dumps({"name": "hot", "region": "Asia", "type": "t"}).encode(), token=token)
    values = [Decimal(f"{i}.{i:02d}") for i in range(1, 41)]
    books = [(f"w{i}.xlsx", make_workbook({"S": [[float(v), "pcs"]]})) for i, v in enumerate(values)]
    for start in range(0, len(books), 10):
        status, _ = request(f"{base}/api/categories/hot/files", *multipart(books[start:start + 10]), token=token)
        assert status == 202

    def counted():
        category = request(f"{base}/api/categories/hot", token=token)[1]
        return category["documents"] == len(values) and category

    category = eventually(counted, 90, "all 40 uploads to be counted")
    assert Decimal(category["total"]) == sum(values)

    # A worker killed outright is replaced by the runner.
    victim = workers[0]
    for member in [victim, *victim.children(recursive=True)]:
        member.kill()
    eventually(lambda: len(_workers_of(process)) == 4 and victim.pid not in {p.pid for p in _workers_of(process)},
                30, "the runner to start a replacement worker")
    body, content_type = multipart([("after.xlsx", make_workbook({"S": [[0.5]]}))])
    request(f"{base}/api/categories/hot/files", body, content_type, token=token)
    eventually(lambda: request(f"{base}/api/categories/hot", token=token)[1]["documents"] == len(values) + 1, 30,
                "the upload after the replacement to be counted")
    assert Decimal(request(f"{base}/api/categories/hot", token=token)[1]["total"]) == sum(values) + Decimal("0.5")

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
