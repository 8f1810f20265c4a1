"""`make run`'s runner: embedded servers, migrations, the first admin, a worker and gunicorn; stops cleanly and keeps data."""

import http.cookiejar
import json
import os
import re
import signal
import stat
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.live_http import api_token, eventually, multipart, request
from webapp.embedded import free_port

# The runner and its servers and workers, started for real: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "my own long passphrase"


@pytest.fixture
def start_runner(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "UPLOAD_FOLDER", "ADMIN_USER", "ADMIN_PASSWORD")}
    env.update(INSTANCE_DIR=str(tmp_path / "instance"), PORT=str(port), WEB_CONCURRENCY="1")
    started = []

    def start(log: Path):
        process = subprocess.Popen([sys.executable, "-m", "webapp.runner"], cwd=ROOT, env=env,
                                   stdout=log.open("w"), stderr=subprocess.STDOUT)
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        eventually(lambda: request(f"{base}/healthz")[0] == 200, 180, "the app to answer /healthz")
        return process, base

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()


class Browser:
    """Pages through urllib with a cookie jar, posting forms with their CSRF token, as a browser would."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.url, response.read().decode()

    def submit(self, path: str, fields: dict[str, str]) -> tuple[str, str]:
        _, page = self.get(path)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
        with self.opener.open(self.base + path.split("?")[0], body, timeout=10) as response:
            return response.url, response.read().decode()


def test_first_start_prints_a_password_that_the_first_sign_in_replaces(start_runner, tmp_path, make_workbook):
    log = tmp_path / "first.log"
    process, base = start_runner(log)
    kept = tmp_path / "instance" / "initial-admin-password"
    password = kept.read_text().strip()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert f"\n    {password}\n" in log.read_text(), "the console shows the password once"
    with pytest.raises(urllib.error.HTTPError) as refused:
        request(f"{base}/api/categories")
    assert refused.value.code == 401

    browser = Browser(base)
    landed, page = browser.submit("/login?next=/search", {"username": "admin", "password": password, "next": "/search"})
    assert landed.endswith("/profile/password") and "Choose your own password" in page
    landed, page = browser.submit("/profile/password", {"current": password, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert landed == base + "/" and "Your password is changed." in page
    assert not kept.exists(), "the first password's file is deleted once it is changed"

    token = api_token(base, "admin", NEW_PASSWORD)
    status, _ = request(f"{base}/api/categories", json.dumps({"name": "c", "region": "Asia", "type": "t"}).encode(), token=token)
    assert status == 201
    body, content_type = multipart([("w.xlsx", make_workbook({"S": [[1.25, 2]]}))])
    status, accepted = request(f"{base}/api/categories/c/files", body, content_type, token=token)
    assert status == 202
    assert accepted["documents"][0]["id"]
    document_url = f"{base}/api/documents/{accepted['documents'][0]['id']}"
    eventually(lambda: request(document_url, token=token)[1]["status"] == "done", 60, "the worker to process the upload")
    assert request(document_url, token=token)[1]["uploaded_by"] == "admin"

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0

    process, base = start_runner(tmp_path / "second.log")
    assert request(f"{base}/api/categories/c", token=token)[1]["total"] == "3.25"
    assert "Users exist already" in (tmp_path / "second.log").read_text()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
