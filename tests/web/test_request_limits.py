"""Limits on what one request may ask: files per upload, form parts and fields, and the cookie it leaves."""

import hashlib
import io
from pathlib import Path

import pytest


def _long_name(n: int) -> str:
    """A 200-character name that does not compress (the session cookie is compressed when that helps)."""
    return "report-" + "".join(hashlib.sha256(f"{n}-{i}".encode()).hexdigest() for i in range(3))[:189] + ".csv"


def _csv(n: int) -> bytes:
    return f"item,count\nwidget-{n},{n}\ngadget,2\n".encode()


def _files(count: int, name=lambda n: f"book-{n}.csv") -> list:
    return [(io.BytesIO(_csv(n)), name(n)) for n in range(count)]


def _stored(app) -> list[Path]:
    return [path for path in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if path.is_file()]


@pytest.fixture
def phones(api):
    api.create_category("phones")


@pytest.mark.parametrize("url", ["/api/categories/phones/files", "/categories/phones/upload"])
def test_an_upload_of_more_files_than_allowed_is_refused_whole(client, app, phones, url):
    response = client.post(url, data={"file": _files(101)}, content_type="multipart/form-data")
    assert response.status_code == 400
    message = "You can upload at most 100 files at once; this upload has 101."
    assert message in (response.json["error"] if response.is_json else response.text)
    assert client.get("/api/categories/phones/documents").json["documents"] == []
    assert _stored(app) == []


@pytest.mark.parametrize("url", ["/api/categories/phones/files", "/categories/phones/upload"])
def test_a_form_with_too_many_parts_is_refused_with_a_plain_message(client, app, phones, url):
    parts = {f"field{n}": "x" for n in range(app.config["MAX_FORM_PARTS"])} | {"file": _files(1)}
    response = client.post(url, data=parts, content_type="multipart/form-data")
    assert response.status_code == 413
    message = "This form has too many parts or a field that is too long. Upload at most 100 files at once."
    assert message in (response.json["error"] if response.is_json else response.text)
    assert client.get("/api/categories/phones/documents").json["documents"] == []


def test_a_form_field_past_its_size_limit_is_refused_with_a_plain_message(client, app):
    name = "n" * (app.config["MAX_FORM_FIELD_KB"] * 1024 + 1)
    response = client.post("/categories", data={"name": name, "region": "Asia", "type": "t"},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "a field that is too long" in response.text
    assert client.get("/api/categories").json == {"categories": []}


def test_a_hundred_long_file_names_leave_a_small_cookie_and_a_short_message(client, app, phones):
    files = _files(100, name=_long_name)
    response = client.post("/categories/phones/upload", data={"file": files}, content_type="multipart/form-data")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert len(cookie) < 4096, len(cookie)
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert f"Uploaded 100 files: “{_long_name(0)[:59]}…”" in page.text and "and 97 more." in page.text
    assert len(client.get("/api/categories/phones/documents").json["documents"]) == 100
