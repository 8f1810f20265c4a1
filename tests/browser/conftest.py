"""Browser fixtures: the app served for real (CSRF on), a real worker process, and Debian's headless Chromium."""

import copy
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.browser.files import XLSX
from tests.fixtures_accounts import make_user, token_for
from webapp import create_app
from webapp.embedded import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
# Processing a workbook goes through a real queue, a real worker and its forked reader: allow for a busy machine.
EXPECT_TIMEOUT_MS = 30_000


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail(
            "Chromium is not installed, so the browser tests cannot run. Install Debian's package: "
            "`apt-get update && apt-get install -y chromium` (.ci/run does this when it is missing).",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven through Playwright (no browser download)."""
    executable = _chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_config(config):
    """The test configuration with CSRF switched on, so the real forms are exercised."""
    live = copy.copy(config)
    live.WTF_CSRF_ENABLED = True
    return live


@pytest.fixture(scope="session")
def live_app(app, live_config):
    """The app served to the browser (CSRF on)."""
    return create_app(live_config)


@pytest.fixture(scope="session")
def live_server(live_app):
    """Serve the app on 127.0.0.1 from a thread; return its base URL."""
    server = make_server("127.0.0.1", free_port(), live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def admin(live_app):
    """An admin who sees every region (the tables are emptied after each test)."""
    return make_user(live_app, "admin", username="ada")


def session_cookie(live_app, live_server: str, user) -> dict:
    """Return the cookie a sign-in would have set for this user, for a browser context to carry."""
    value = live_app.session_interface.get_signing_serializer(live_app).dumps(
        {"_user_id": f"{user.id}:{user.session_version}", "_fresh": True})
    return {"name": live_app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server, "httpOnly": True}


@pytest.fixture
def worker(live_config):
    """A real `python worker.py` process on the same database, queue and upload folder, stopped afterwards."""
    env = dict(
        os.environ,
        DATABASE_URL=live_config.SQLALCHEMY_DATABASE_URI,
        REDIS_URL=live_config.REDIS_URL,
        UPLOAD_FOLDER=live_config.UPLOAD_FOLDER,
        S3_BUCKET="",
        SECRET_KEY="browser-tests",
        ELASTICSEARCH_URL="",
    )
    process = subprocess.Popen(
        [sys.executable, "worker.py"], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    yield process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def watch_for_errors(tab) -> list[str]:
    """Collect JavaScript errors, console errors (a Content-Security-Policy violation is one) and failed assets."""
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    # Refused uploads answer 4xx on purpose; Chromium logs those as console errors, so responses are judged below.
    tab.on("console", lambda msg: errors.append(msg.text)
           if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    tab.on("response", lambda r: errors.append(f"{r.status} {r.url}")
           if r.status >= 400 and r.request.resource_type in ("stylesheet", "script", "image", "font") else None)
    return errors


@pytest.fixture
def page(browser, live_app, live_server, admin, request):
    """A fresh tab at desktop width, signed in as an admin; fails the test on any JavaScript error or CSP
    violation, saves a screenshot at the end."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.add_cookies([session_cookie(live_app, live_server, admin)])
    tab = context.new_page()
    errors = watch_for_errors(tab)
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}-end.png"), full_page=True)
    context.close()
    assert not errors, f"the page reported errors: {errors}"


@pytest.fixture
def shot(request):
    """Save a full-page screenshot under test-artifacts/ named after the test and a step."""

    def save(tab, step: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{step}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def site(page, live_app, admin, make_workbook):
    """Set up data through the served JSON API with the admin's token, like another client program would."""
    import time

    auth = {"Authorization": f"Bearer {token_for(live_app, admin)}"}

    class Site:
        def create_category(self, name: str, region: str = "Asia", type: str = "phones") -> dict:
            response = page.request.post("/api/categories", data={"name": name, "region": region, "type": type},
                                         headers=auth)
            assert response.status == 201, response.text()
            return response.json()

        def upload(self, category: str, filename: str, content: bytes) -> dict:
            response = page.request.post(
                f"/api/categories/{category}/files",
                multipart={"file": {"name": filename, "mimeType": XLSX, "buffer": content}}, headers=auth,
            )
            assert response.status == 202, response.text()
            return response.json()["documents"][0]

        def wait_until_settled(self, *document_ids: int, seconds: float = 30) -> list[dict]:
            deadline = time.monotonic() + seconds
            while True:
                docs = [page.request.get(f"/api/documents/{i}", headers=auth).json() for i in document_ids]
                # A done file becomes searchable a moment later, once the index has it.
                settled = all(d["status"] == "failed" or (d["status"] == "done" and d["searchable"]) for d in docs)
                if settled or time.monotonic() > deadline:
                    return docs
                time.sleep(0.2)

    return Site()
