"""upload_file: the request validates, stores and enqueues; the worker counts; bad input changes nothing."""

import html
import io
import threading
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.fixtures_accounts import make_user, sign_in
from webapp.extensions import db
from webapp.models import Document


def _stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _document_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Document))


def test_upload_answers_at_once_with_queued_documents(api, make_workbook, app):
    api.create_category("asian_phones")
    response = api.upload("asian_phones", ("a.xlsx", make_workbook({"S": [[1, 2]]})), ("b.xlsx", make_workbook({"S": [[3]]})))
    assert response.status_code == 202
    docs = response.json["documents"]
    assert [(d["filename"], d["status"]) for d in docs] == [("a.xlsx", "queued"), ("b.xlsx", "queued")]
    assert docs[0]["url"] == f"/documents/{docs[0]['id']}"
    assert api.document(docs[0]["id"])["total"] is None
    assert len(_stored_files(app)) == 2


def test_worker_counts_each_file_and_adds_to_the_category(api, make_workbook, run_jobs, client):
    api.create_category("asian_phones")
    ids = [d["id"] for d in api.upload(
        "asian_phones",
        ("a.xlsx", make_workbook({"S": [[12.5, "order 12 of 3.5 kg"]]})),
        ("b.xlsx", make_workbook({"S": [[33.8]]})),
    ).json["documents"]]
    run_jobs()
    assert [api.document(i)["status"] for i in ids] == ["done", "done"]
    assert api.document(ids[0])["total"] == "28"
    assert client.get("/api/categories/asian_phones").json["total"] == "61.8"
    assert client.get("/api/categories/asian_phones").json["documents"] == 2


def test_same_content_twice_in_one_category_is_refused_naming_the_earlier_file(api, make_workbook, client, app):
    api.create_category("asian_phones")
    api.create_category("eu_phones", region="Europe")
    content = make_workbook({"S": [[5]]})
    first = api.upload("asian_phones", ("first.xlsx", content)).json["documents"][0]
    again = api.upload("asian_phones", ("renamed.xlsx", content))
    assert again.status_code == 409
    assert "first.xlsx" in again.json["error"]
    assert api.upload("eu_phones", ("first.xlsx", content)).status_code == 202
    assert _document_count(app) == 2 and first["id"] == 1


def test_same_content_twice_in_one_request_is_refused_whole(api, make_workbook, app):
    api.create_category("asian_phones")
    content = make_workbook({"S": [[5]]})
    response = api.upload("asian_phones", ("a.xlsx", content), ("b.xlsx", content))
    assert response.status_code == 409
    assert _document_count(app) == 0 and _stored_files(app) == []


def test_files_that_are_not_workbooks_are_refused_and_nothing_is_stored(api, make_workbook, app):
    api.create_category("asian_phones")
    image = b"\x89PNG\r\n\x1a\n" + bytes(64)
    for filename, content in [("photo.png", image), ("empty.xlsx", b""), ("page.xlsx", b"<html></html>")]:
        response = api.upload("asian_phones", ("good.xlsx", make_workbook()), (filename, content))
        assert response.status_code == 400, filename
        assert filename in response.json["error"]
    assert _document_count(app) == 0 and _stored_files(app) == []


def test_a_zip_that_is_not_a_workbook_is_refused(api):
    api.create_category("asian_phones")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    response = api.upload("asian_phones", ("fake.xlsx", buffer.getvalue()))
    assert response.status_code == 400
    assert "not a workbook" in response.json["error"]


def test_a_zip_bomb_is_refused_at_upload_without_unpacking(api, app):
    api.create_category("asian_phones")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (600 * 1024 * 1024))
    assert len(buffer.getvalue()) < 2 * 1024 * 1024
    response = api.upload("asian_phones", ("bomb.xlsx", buffer.getvalue()))
    assert response.status_code == 400
    assert "unpack" in response.json["error"]
    assert _document_count(app) == 0


def test_a_damaged_workbook_fails_in_the_worker_with_a_reason_and_the_worker_goes_on(api, make_workbook, run_jobs, client):
    api.create_category("asian_phones")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet")
    broken = api.upload("asian_phones", ("broken.xlsx", buffer.getvalue())).json["documents"][0]
    good = api.upload("asian_phones", ("good.xlsx", make_workbook({"S": [[7]]}))).json["documents"][0]
    run_jobs()
    failed = api.document(broken["id"])
    assert failed["status"] == "failed"
    assert "could not be read" in failed["error"] or "damaged" in failed["error"]
    assert api.document(good["id"])["status"] == "done"
    assert client.get("/api/categories/asian_phones").json["total"] == "7"


def test_over_the_size_limit_is_413_with_a_message(api, app, make_workbook):
    api.create_category("asian_phones")
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    try:
        response = api.upload("asian_phones", ("big.xlsx", b"PK" + b"0" * 20_000))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    assert response.status_code == 413
    assert "limit" in response.json["error"]
    assert _document_count(app) == 0


def test_unknown_category_is_404(api, make_workbook):
    response = api.upload("nope", ("a.xlsx", make_workbook()))
    assert response.status_code == 404
    assert "nope" in response.json["error"]


def test_upload_without_files_is_400(client, api):
    api.create_category("asian_phones")
    response = client.post("/api/categories/asian_phones/files", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "choose at least one" in response.json["error"]


def test_upload_page_form_stores_and_shows_queued_then_done(client, api, make_workbook, run_jobs):
    api.create_category("asian_phones")
    response = client.post(
        "/categories/asian_phones/upload",
        data={"file": [(io.BytesIO(make_workbook({"S": [[2, 3]]})), "prices.xlsx")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get("/categories/asian_phones").text
    assert "prices.xlsx" in page and "badge-queued" in page
    run_jobs()
    page = client.get("/categories/asian_phones").text
    assert "badge-done" in page and 'id="category-total">5<' in page


def test_upload_page_shows_refusal_next_to_the_file_input(client, api):
    api.create_category("asian_phones")
    response = client.post(
        "/categories/asian_phones/upload",
        data={"file": [(io.BytesIO(bytes(range(256))), "notes.txt")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "“notes.txt” is not a workbook" in response.text


def test_download_returns_the_original_bytes(client, api, make_workbook):
    api.create_category("asian_phones")
    content = make_workbook({"S": [[1]]})
    doc = api.upload("asian_phones", ("orig.xlsx", content)).json["documents"][0]
    response = client.get(f"/documents/{doc['id']}/download")
    assert response.status_code == 200 and response.data == content


def test_identical_files_racing_into_one_category_give_one_upload_and_409s_naming_it(app, api, make_workbook):
    api.create_category("race")
    content = make_workbook({"S": [[5]]})
    racers = 80
    start = threading.Barrier(racers)
    uploader = make_user(app, "editor")

    def upload(i: int):
        client = sign_in(app.test_client(), uploader)
        start.wait()  # every request checks for duplicates before any commits: the unique index decides
        data = {"file": [(io.BytesIO(content), f"copy{i}.xlsx")]}
        return client.post("/api/categories/race/files", data=data, content_type="multipart/form-data")

    with ThreadPoolExecutor(racers) as pool:
        responses = list(pool.map(upload, range(racers)))
    assert Counter(r.status_code for r in responses) == {202: 1, 409: racers - 1}
    winner = next(r for r in responses if r.status_code == 202).json["documents"][0]
    for refused in (r for r in responses if r.status_code == 409):
        assert f"as “{winner['filename']}” (file #{winner['id']})" in refused.json["error"]
    assert _document_count(app) == 1 and len(_stored_files(app)) == 1


@pytest.mark.parametrize(
    "filename, saved_as",
    [("<script>alert(1)</script>.xlsx", "_script_alert(1)__script_.xlsx"), ("..\\..\\win.ini.xlsx", "_.._win.ini.xlsx")],
)
def test_a_name_is_kept_as_written_and_made_safe_only_for_the_download(client, api, make_workbook, filename, saved_as):
    api.create_category("names")
    doc = api.upload("names", (filename, make_workbook({"S": [[1]]}))).json["documents"][0]
    assert doc["filename"] == filename and api.document(doc["id"])["filename"] == filename
    page = client.get(f"/documents/{doc['id']}").text
    assert html.escape(filename, quote=False) in page and filename not in page.replace(html.escape(filename, quote=False), "")
    listing = client.get("/categories/names").text
    assert html.escape(filename, quote=False) in listing and "<script>alert(1)" not in listing
    disposition = client.get(f"/documents/{doc['id']}/download").headers["Content-Disposition"]
    assert disposition == f'attachment; filename="{saved_as}"' or disposition == f"attachment; filename={saved_as}"
