"""`make run S3=1` keeps files in its embedded SeaweedFS, and `.venv/bin/flask …` with no environment finds the
running servers, or starts them for itself when nothing runs."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.live_http import api_token, eventually, multipart, request
from webapp.embedded import free_port

# The runner and its servers and workers, started for real: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")
# Nothing an operator would have to set: only where this test's installation lives, so it is its own.
_CLEARED = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "UPLOAD_FOLDER", "S3_BUCKET", "S3_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ELASTICSEARCH_URL", "FLASK_APP", "S3")


def _plain_environment(instance: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _CLEARED}
    return {**env, "INSTANCE_DIR": str(instance)}


def _flask(instance: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(FLASK), *args], cwd=ROOT, env=_plain_environment(instance), capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def folder():
    """A folder for two installations, outside pytest's own (which another pytest run may make unreadable to the
    embedded PostgreSQL's user)."""
    path = Path(tempfile.mkdtemp(prefix="wb-operator-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_make_run_s3_keeps_files_in_seaweedfs_and_flask_commands_need_no_settings(folder, make_workbook):
    tmp_path = folder
    instance = tmp_path / "instance"
    port = free_port()
    # The first admin from the environment (the other way, a printed password, is tests/runner/test_make_run.py's).
    env = {**_plain_environment(instance), "PORT": str(port), "WEB_CONCURRENCY": "1", "S3": "1",
           "ADMIN_USER": "operator", "ADMIN_PASSWORD": "operator-password-1"}
    runner = subprocess.Popen([sys.executable, "-m", "webapp.runner"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        eventually(lambda: request(f"{base}/healthz")[1].get("storage") == "ok", 120, "the app to answer /healthz")
        token = api_token(base, "operator", "operator-password-1")
        request(f"{base}/api/categories", json.dumps({"name": "c", "region": "Asia", "type": "t"}).encode(), token=token)
        body, content_type = multipart([("w.xlsx", make_workbook({"S": [[2.5]]}))])
        status, accepted = request(f"{base}/api/categories/c/files", body, content_type, token=token)
        assert status == 202
        document_url = f"{base}/api/documents/{accepted['documents'][0]['id']}"
        eventually(lambda: request(document_url, token=token)[1]["status"] == "done", 60, "the worker to process the upload")
        assert not (instance / "uploads").exists(), "the files are in SeaweedFS, not on the web server's disk"

        found = _flask(instance, "storage", "check")
        assert found.returncode == 0 and "bucket workbooks" in found.stdout and "1 document(s)" in found.stdout, found
        assert "were started" not in found.stderr, "the command used the running servers"
        backup = tmp_path / "backup.tar"
        assert _flask(instance, "backup", "create", str(backup)).returncode == 0 and backup.exists()
    finally:
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=60) == 0
    assert not (instance / "runtime.json").exists()

    # Nothing runs now: the command starts the installation's servers (SeaweedFS too) and stops them after.
    alone = _flask(instance, "storage", "check")
    assert alone.returncode == 0 and "1 document(s)" in alone.stdout, alone
    assert "PostgreSQL, Redis, SeaweedFS were started" in alone.stderr
    assert not (instance / "postgres" / "postmaster.pid").exists(), "the command stopped the PostgreSQL it started"

    # A fresh installation restores the backup with the same two words.
    fresh = tmp_path / "fresh"
    restored = _flask(fresh, "backup", "restore", str(backup))
    assert restored.returncode == 0 and "Proven" in restored.stdout, restored.stderr[-3000:]
    assert (fresh / "uploads").is_dir() and not (fresh / "s3").exists(), "a backup from S3 restores into a local folder"
