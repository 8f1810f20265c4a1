"""`make run`'s runner: embedded servers, migrations, a worker and gunicorn; stops cleanly and keeps data."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live_http import eventually, multipart, request
from webapp.embedded import free_port

# The runner and its servers and workers, started for real: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]








@pytest.fixture
def start_runner(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "UPLOAD_FOLDER")}
    env.update(INSTANCE_DIR=str(tmp_path / "instance"), PORT=str(port), WEB_CONCURRENCY="1")
    started = []

    def start():
        process = subprocess.Popen([sys.executable, "-m", "webapp.runner"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        eventually(lambda: request(f"{base}/healthz")[0] == 200, 180, "the app to answer /healthz")
        return process, base

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()


def test_runner_serves_processes_and_keeps_data_across_restarts(start_runner, make_workbook):
    process, base = start_runner()
    status, _ = request(f"{base}/api/categories", json.dumps({"name": "c", "region": "Asia", "type": "t"}).encode())
    assert status == 201
    body, content_type = multipart([("w.xlsx", make_workbook({"S": [[1.25, 2]]}))])
    status, accepted = request(f"{base}/api/categories/c/files", body, content_type)
    assert status == 202
    document_url = f"{base}/api/documents/{accepted['documents'][0]['id']}"
    eventually(lambda: request(document_url)[1]["status"] == "done", 60, "the worker to process the upload")

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0

    process, base = start_runner()
    assert request(f"{base}/api/categories/c")[1]["total"] == "3.25"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
