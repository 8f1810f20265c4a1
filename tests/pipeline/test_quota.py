"""Per-person upload limits: files per hour (429, Retry-After) and the size of the files kept (413), on the
pages and in the API; a refused upload keeps nothing, other people are not affected, and "0" turns each off."""

import io
import itertools
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.pipeline.test_queue_outage import without_queue  # noqa: F401 - the fixture, for the Redis outage case
from webapp.extensions import db
from webapp.models import Document

_serial = itertools.count(1)


def _csv(kb: int = 1) -> tuple[str, bytes]:
    """A CSV of about `kb` KB whose bytes differ from every other one (no upload is a duplicate)."""
    n = next(_serial)
    rows = b"".join(b"item %d,%d\n" % (n, i) for i in range(max(1, kb * 1024 // 14)))
    return f"file-{n}.csv", b"item,count\n" + rows


def _files(*files: tuple[str, bytes]) -> dict:
    return {"file": [(io.BytesIO(content), name) for name, content in files]}


def _upload(client, *files, page: bool = False):
    url = "/categories/phones/upload" if page else "/api/categories/phones/files"
    return client.post(url, data=_files(*files), content_type="multipart/form-data")


def _kept(app) -> tuple[int, int]:
    """Documents recorded, and files in the store."""
    root = Path(app.config["UPLOAD_FOLDER"])
    with app.app_context():
        documents = db.session.scalar(select(func.count()).select_from(Document))
    return documents, len([p for p in root.rglob("*") if p.is_file()]) if root.exists() else 0


@pytest.fixture
def limits(app, monkeypatch, api):
    """Set UPLOAD_RATE and UPLOAD_QUOTA_MB for one test, with the category `phones` made."""
    api.create_category("phones")

    def set_to(rate: str = "0", quota_mb: int = 0) -> None:
        monkeypatch.setitem(app.config, "UPLOAD_RATE", rate)
        monkeypatch.setitem(app.config, "UPLOAD_QUOTA_MB", quota_mb)

    return set_to


def test_past_the_upload_rate_the_api_answers_429_and_keeps_nothing(app, limits, login_as):
    limits(rate="3 per hour")
    editor, other = login_as("editor"), login_as("editor")
    assert _upload(editor, _csv(), _csv()).status_code == 202
    before = _kept(app)
    refused = _upload(editor, _csv(), _csv())
    assert refused.status_code == 429
    assert refused.json == {"error": "You can upload at most 3 files per hour, and this upload has 2 (1 more allowed "
                                     "right now). Please try again in 60 minutes."}
    assert 3500 <= int(refused.headers["Retry-After"]) <= 3600
    assert _kept(app) == before
    assert _upload(editor, _csv()).status_code == 202, "the one file still allowed"
    assert _upload(editor, _csv()).status_code == 429
    assert _upload(other, _csv(), _csv(), _csv()).status_code == 202, "someone else has their own count"


def test_past_the_upload_rate_the_page_says_so(limits, login_as):
    limits(rate="1 per minute")
    editor = login_as("editor")
    assert _upload(editor, _csv(), page=True).status_code == 302
    refused = _upload(editor, _csv(), page=True)
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    assert "You can upload at most 1 files per minute" in refused.text and "Please try again in" in refused.text
    assert int(refused.headers["Retry-After"]) <= 60


def test_refused_uploads_count_too(limits, login_as):
    limits(rate="2 per hour")
    editor = login_as("editor")
    assert _upload(editor, ("not-a-workbook.csv", b"\x00\x01\x02\x03" * 100)).status_code == 400
    assert _upload(editor, _csv()).status_code == 202
    assert _upload(editor, _csv()).status_code == 429, "sending files costs, kept or not"


def test_past_the_storage_quota_the_api_answers_413_and_keeps_nothing(app, limits, login_as, client):
    limits(quota_mb=1)
    editor = login_as("editor")
    first = _upload(editor, _csv(kb=600))
    assert first.status_code == 202
    before = _kept(app)
    refused = _upload(editor, _csv(kb=300), _csv(kb=300))
    assert refused.status_code == 413
    assert refused.json["error"].startswith("This upload (0.6 MB) would take your files past your storage quota of 1 MB: "
                                            "they take 0.6 MB already. Delete files you no longer need")
    assert _kept(app) == before, "no document, and no file left in the store"
    assert _upload(login_as("editor"), _csv(kb=600)).status_code == 202, "someone else has their own quota"

    assert client.delete(f"/api/documents/{first.json['documents'][0]['id']}").status_code == 204
    assert _upload(editor, _csv(kb=300), _csv(kb=300)).status_code == 202, "deleting a file frees its room"


def test_past_the_storage_quota_the_page_says_so(limits, login_as):
    limits(quota_mb=1)
    editor = login_as("editor")
    assert _upload(editor, _csv(kb=900), page=True).status_code == 302
    refused = _upload(editor, _csv(kb=300), page=True)
    assert refused.status_code == 413 and refused.mimetype == "text/html"
    assert "would take your files past your storage quota of 1 MB" in refused.text


def test_zero_turns_both_limits_off(limits, login_as):
    limits(rate="0", quota_mb=0)
    editor = login_as("editor")
    for _ in range(3):
        assert _upload(editor, _csv(kb=400), _csv(kb=400)).status_code == 202


def test_the_defaults_are_on_and_generous(app):
    assert app.config["UPLOAD_RATE"] == "1000 per hour" and app.config["UPLOAD_QUOTA_MB"] == 10_240


def test_without_redis_uploads_go_on_uncounted(without_queue, monkeypatch):  # noqa: F811 - the fixture
    app, client = without_queue
    monkeypatch.setitem(app.config, "UPLOAD_RATE", "1 per hour")
    for _ in range(2):
        answer = _upload(client, _csv())
        assert answer.status_code == 202 and answer.json["queue"] == "unavailable"


def test_past_the_upload_rate_a_german_page_says_so_in_german_and_the_api_in_english(limits, login_as):
    limits(rate="1 per minute")
    editor = login_as("editor")
    assert _upload(editor, _csv(), page=True).status_code == 302
    refused = editor.post("/categories/phones/upload", data=_files(_csv()), content_type="multipart/form-data",
                          headers={"Accept-Language": "de"})
    assert refused.status_code == 429
    assert "Sie können höchstens 1 Dateien pro Minute hochladen" in refused.text and "Bitte versuchen Sie es in" in refused.text
    answer = editor.post("/api/categories/phones/files", data=_files(_csv()), content_type="multipart/form-data",
                         headers={"Accept-Language": "de"})
    assert answer.status_code == 429 and answer.json["error"].startswith("You can upload at most 1 files per minute")
