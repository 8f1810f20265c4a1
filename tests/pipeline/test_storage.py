"""The storage contract, on both backends (the local folder and a real S3 server): what the store promises,
and the upload → worker → download → delete path through it."""

import copy
import io
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.fixtures_accounts import signed_in_client
from tests.fixtures_storage import empty_bucket, on_s3, run_jobs_in
from webapp import create_app
from webapp.extensions import db
from webapp.services.pipeline import storage


def _store(app, content: bytes) -> str:
    with app.app_context():
        spooled, sha256, size = storage.spool(io.BytesIO(content))
        assert size == len(content)
        storage.keep(spooled, sha256)
        assert not spooled.exists(), "keeping a file removes its spool"
        return sha256


def _local_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _replace_stored(app, document_id: int, content: bytes) -> None:
    """Overwrite a stored file behind the app's back, as a damaged disk or a stray tool would."""
    with app.app_context():
        sha256 = db.session.execute(text("SELECT sha256 FROM documents WHERE id = :id"), {"id": document_id}).scalar()
        db.session.remove()
        store = storage.backend()
        if app.config["S3_BUCKET"]:
            store.client.put_object(Bucket=store.bucket, Key=sha256, Body=content)
        else:
            store.path_for(sha256).write_bytes(content)


def _upload(client, category, filename, content):
    data = {"file": [(io.BytesIO(content), filename)]}
    return client.post(f"/api/categories/{category}/files", data=data, content_type="multipart/form-data")


def test_a_file_is_kept_under_its_digest_read_back_whole_and_deleted(store_app):
    content = b"PK\x03\x04" + bytes(range(256)) * 4000  # ~1 MB, more than one read chunk
    sha256 = _store(store_app, content)
    with store_app.app_context():
        assert storage.size_of(sha256) == len(content)
        with storage.fetched(sha256) as path:
            assert path.read_bytes() == content
        stream, size = storage.open_original(sha256)
        with stream:
            assert size == len(content) and stream.read() == content
        assert dict(storage.objects()) == {sha256: len(content)}
        assert storage.status() == "ok"

        assert _store(store_app, content) == sha256  # the same bytes again: one copy, the spool still removed
        assert dict(storage.objects()) == {sha256: len(content)}

        storage.delete(sha256)
        storage.delete(sha256)  # deleting what is gone is not an error
        assert storage.size_of(sha256) is None and dict(storage.objects()) == {}
        with pytest.raises(storage.ObjectMissing), storage.fetched(sha256):
            pass
        with pytest.raises(storage.ObjectMissing):
            storage.open_original(sha256)


def test_a_fetched_copy_is_removed_even_when_reading_it_fails(s3_app):
    sha256 = _store(s3_app, b"not a workbook at all")
    with s3_app.app_context(), pytest.raises(RuntimeError):
        with storage.fetched(sha256) as path:
            kept = path
            raise RuntimeError("the reader crashed")
    assert not kept.exists()


def test_upload_process_preview_download_and_delete_go_through_the_store(store_app, make_workbook):
    client = signed_in_client(store_app)
    client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"})
    content = make_workbook({"Stock": [["anvil", 12.5], ["hammer", 0.25]]})
    response = _upload(client, "phones", "stock.xlsx", content)
    assert response.status_code == 202
    doc = response.json["documents"][0]["id"]
    run_jobs_in(store_app)

    assert client.get(f"/api/documents/{doc}").json["status"] == "done"
    assert client.get("/api/categories/phones").json["total"] == "12.75"
    page = client.get(f"/documents/{doc}").text
    assert "anvil" in page and "Download the original file" in page and "missing" not in page
    download = client.get(f"/documents/{doc}/download")
    assert download.status_code == 200 and download.data == content
    assert "stock.xlsx" in download.headers["Content-Disposition"]
    assert int(download.headers["Content-Length"]) == len(content)
    if store_app.config["S3_BUCKET"]:
        assert _local_files(store_app) == [], "with S3 nothing is kept in the upload folder"

    with store_app.app_context():
        sha256 = db.session.execute(text("SELECT sha256 FROM documents WHERE id = :id"), {"id": doc}).scalar()
        db.session.remove()
        assert storage.size_of(sha256) == len(content)
    client.post(f"/documents/{doc}/delete")
    with store_app.app_context():
        assert storage.size_of(sha256) is None, "deleting the last document that uses a file deletes the file"


def test_a_missing_file_is_reported_by_storage_check_and_on_its_page(store_app, make_workbook):
    client = signed_in_client(store_app)
    runner = store_app.test_cli_runner()
    client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"})
    kept = _upload(client, "phones", "kept.xlsx", make_workbook({"S": [[1]]})).json["documents"][0]["id"]
    lost = _upload(client, "phones", "lost.xlsx", make_workbook({"S": [[2]]})).json["documents"][0]["id"]
    run_jobs_in(store_app)
    clean = runner.invoke(args=["storage", "check"])
    assert clean.exit_code == 0 and "2 document(s)" in clean.output, clean.output

    with store_app.app_context():
        sha256 = db.session.execute(text("SELECT sha256 FROM documents WHERE id = :id"), {"id": lost}).scalar()
        db.session.remove()
        storage.delete(sha256)
    stray = _store(store_app, b"an object no document names")
    shrunk = _upload(client, "phones", "shrunk.xlsx", make_workbook({"S": [[3]]})).json["documents"][0]["id"]
    _replace_stored(store_app, shrunk, b"not the uploaded bytes")

    checked = runner.invoke(args=["storage", "check"])
    assert checked.exit_code == 1
    assert f"#{lost} lost.xlsx" in checked.output and f"#{kept} " not in checked.output
    assert f"#{shrunk} shrunk.xlsx: 22 bytes stored" in checked.output
    assert "1 stored file(s) that no document uses" in checked.output and stray in checked.output
    page = client.get(f"/documents/{lost}").text
    assert "The original file is missing from storage" in page and "Download the original file" not in page
    assert client.get(f"/documents/{kept}").text.count("missing from storage") == 0
    download = client.get(f"/documents/{lost}/download")
    assert download.status_code == 404 and "missing from storage" in download.text
    assert client.get("/api/categories/phones").json["total"] == "3", "a missing file still counts"

    removed = runner.invoke(args=["storage", "check", "--remove-unreferenced"])
    assert "Removed 1 stored file(s)" in removed.output and removed.exit_code == 1  # the lost file is still lost
    with store_app.app_context():
        assert storage.size_of(stray) is None


def test_migrate_copies_local_files_to_the_bucket_verified_and_a_second_run_copies_nothing(
    local_app, config, s3_server, make_workbook
):
    client = signed_in_client(local_app)
    client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"})
    ids = [_upload(client, "phones", f"w{i}.xlsx", make_workbook({"S": [[i]]})).json["documents"][0]["id"]
           for i in range(3)]
    run_jobs_in(local_app)
    assert local_app.test_cli_runner().invoke(args=["storage", "migrate", "--to", "s3"]).output.count("No S3 bucket") == 1

    own = copy.copy(config)
    own.UPLOAD_FOLDER = local_app.config["UPLOAD_FOLDER"]
    moved = create_app(on_s3(own, s3_server))
    runner = moved.test_cli_runner()
    try:
        empty = runner.invoke(args=["storage", "check"])
        assert empty.exit_code == 1 and "`flask storage migrate --to s3` copies them" in empty.output
        first = runner.invoke(args=["storage", "migrate", "--to", "s3"])
        assert first.exit_code == 0 and "Copied 3 file(s)" in first.output and "0 were there already" in first.output
        assert runner.invoke(args=["storage", "check"]).exit_code == 0
        second = runner.invoke(args=["storage", "migrate", "--to", "s3"])
        assert "Copied 0 file(s)" in second.output and "3 were there already" in second.output
        assert signed_in_client(moved).get(f"/documents/{ids[0]}/download").status_code == 200

        damaged = _store(local_app, b"bytes that will not match their name")
        with local_app.app_context():
            storage.backend().path_for(damaged).write_bytes(b"changed on disk")
        third = runner.invoke(args=["storage", "migrate", "--to", "s3"])
        assert third.exit_code == 1 and damaged in third.output and "no longer match their name" in third.output
        with moved.app_context():
            assert storage.size_of(damaged) is None, "a damaged local file is never copied"
    finally:
        empty_bucket(moved)


def test_a_file_lost_after_its_page_was_seen_is_reported_missing(store_app, make_workbook):
    client = signed_in_client(store_app)
    client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"})
    doc = _upload(client, "phones", "seen.xlsx", make_workbook({"S": [["widget", 4]]})).json["documents"][0]["id"]
    run_jobs_in(store_app)
    assert "widget" in client.get(f"/documents/{doc}").text
    with store_app.app_context():
        sha256 = db.session.execute(text("SELECT sha256 FROM documents WHERE id = :id"), {"id": doc}).scalar()
        db.session.remove()
        storage.delete(sha256)
    page = client.get(f"/documents/{doc}").text
    # The page says so and offers no download; the preview was stored by the worker, so it still shows.
    assert "missing from storage" in page and "Download the original file" not in page
    assert "widget" in page.split('id="preview"')[-1]
