"""Logs: one JSON object per line when asked, a request id on every request, carried by the upload's job."""

import io
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from webapp import logs

ROOT = Path(__file__).resolve().parents[2]
CELL_TEXT = "zanzibar quokka lantern"


def test_every_answer_carries_a_request_id_taken_from_the_proxy_when_it_sends_a_sane_one(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz").headers["X-Request-ID"]
    assert client.get("/healthz", headers={"X-Request-ID": "edge-42.a"}).headers["X-Request-ID"] == "edge-42.a"
    odd = client.get("/healthz", headers={"X-Request-ID": "x\" injected=1"}).headers["X-Request-ID"]
    assert odd != "x\" injected=1" and len(odd) == 32


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_request_lines_are_json_with_id_user_status_and_no_password(app, anonymous, login_as):
    buffer = io.StringIO()
    logs.configure("json", stream=buffer)
    try:
        viewer = login_as("viewer")
        viewer.get("/api/me", headers={"X-Request-ID": "one-request"})
        anonymous.post("/login", data={"username": "maria", "password": "never-log-this-pass"})
    finally:
        logs.configure("text")
    lines = _json_lines(buffer.getvalue())
    answered = [line for line in lines if line.get("request_id") == "one-request" and line["event"] == "request"]
    assert len(answered) == 1
    assert answered[0]["status"] == 200 and answered[0]["path"] == "/api/me" and answered[0]["user"].startswith("viewer")
    assert answered[0]["level"] == "info" and "timestamp" in answered[0]
    assert "never-log-this-pass" not in buffer.getvalue()


@pytest.mark.slow
def test_one_upload_is_followed_by_its_request_id_from_the_web_to_the_worker(app, client, api, make_workbook, worker_env):
    api.create_category("asian_phones")
    username = client.get("/api/me").json["username"]
    request_id = f"trace-{uuid.uuid4().hex}"
    buffer = io.StringIO()
    logs.configure("json", stream=buffer)
    try:
        upload = client.post("/api/categories/asian_phones/files", content_type="multipart/form-data",
                             headers={"X-Request-ID": request_id},
                             data={"file": [(io.BytesIO(make_workbook({"S": [[CELL_TEXT, 12]]})), "q3.xlsx")]})
    finally:
        logs.configure("text")
    assert upload.status_code == 202 and upload.headers["X-Request-ID"] == request_id
    document_id = upload.json["documents"][0]["id"]
    web = [line for line in _json_lines(buffer.getvalue()) if line.get("request_id") == request_id]
    assert any(line["event"] == "request" and line["status"] == 202 and line["user"] == username for line in web)

    worker = subprocess.run([sys.executable, str(ROOT / "worker.py"), "--burst"], cwd=ROOT, capture_output=True,
                            text=True, timeout=180, env={**worker_env, "LOG_FORMAT": "json"})
    assert worker.returncode == 0, worker.stderr[-3000:]
    lines = _json_lines(worker.stderr)  # every line the worker wrote, RQ's own included, is one JSON object
    traced = [line for line in lines if line.get("request_id") == request_id]
    done = [line for line in traced if line.get("outcome") == "done"]
    assert len(done) == 1, traced
    assert done[0]["document_id"] == document_id and done[0]["category"] == "asian_phones"
    assert done[0]["user"] == username and done[0]["seconds"] >= 0 and done[0]["job"] == "process_document"
    assert client.get(f"/api/documents/{document_id}").json["total"] == "12"
    assert CELL_TEXT not in buffer.getvalue() + worker.stderr + worker.stdout
