"""A failed file's page says what failed and what to do, and offers Retry only where a retry can help."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tests.browser.files import damaged_workbook
from tests.fixtures_databases import database_at
from webapp.extensions import db
from webapp.services.pipeline import processing


def _set_failure(app, document_id: int, kind: str, error: str) -> None:
    with app.app_context():
        db.session.execute(text("UPDATE documents SET status = 'failed', error = :e, failure_kind = :k WHERE id = :id"),
                           {"e": error, "k": kind, "id": document_id})
        db.session.commit()
        db.session.remove()


def test_a_file_that_will_fail_again_offers_what_helps_not_retry(client, api, run_jobs):
    api.create_category("broken")
    document_id = api.upload("broken", ("damaged.xlsx", damaged_workbook())).json["documents"][0]["id"]
    run_jobs()
    assert api.document(document_id)["status"] == "failed"

    page = client.get(f"/documents/{document_id}").text
    assert 'data-failure-kind="file"' in page
    assert "The file itself could not be counted." in page and "Retrying would fail the same way" in page
    assert "The total appears once the file is processed" not in page
    assert "No total: this file could not be processed" in page
    assert f'/documents/{document_id}/retry"' not in page
    assert "Upload a corrected file to “broken”" in page and f"/documents/{document_id}/delete" in page
    # Nor does the category's file list offer Retry for it.
    assert f'/documents/{document_id}/retry"' not in client.get("/categories/broken").text


@pytest.mark.parametrize(("kind", "error", "retry"), [
    ("timeout", "Processing took longer than the 300-second limit for one file, so it was stopped.", True),
    ("crash", str(processing.GAVE_UP), True),
    ("memory", "Reading this workbook needed more memory than one file may use.", False),
    ("missing", str(processing.MISSING_FILE), False),
    (None, "Something an earlier version said.", True),
])
def test_retry_is_offered_only_for_failures_a_retry_can_help(app, client, api, make_workbook, kind, error, retry):
    api.create_category("c")
    document_id = api.upload("c", ("a.xlsx", make_workbook({"S": [[1]]}))).json["documents"][0]["id"]
    _set_failure(app, document_id, kind, error)

    page = client.get(f"/documents/{document_id}").text
    assert error in page and "What you can do" in page
    assert (f'/documents/{document_id}/retry"' in page) is retry
    assert (f'/documents/{document_id}/retry"' in client.get("/categories/c").text) is retry


def test_a_retry_clears_the_failure_kind(app, client, api, make_workbook):
    api.create_category("c")
    document_id = api.upload("c", ("a.xlsx", make_workbook({"S": [[4]]}))).json["documents"][0]["id"]
    _set_failure(app, document_id, "timeout", "Processing took longer than the 1-second limit for one file, so it was stopped.")
    assert client.post(f"/documents/{document_id}/retry").status_code == 302
    with app.app_context():
        row = db.session.execute(text("SELECT status, error, failure_kind FROM documents")).one()
    assert tuple(row) == ("queued", None, None)


@pytest.fixture
def before_kinds(config):
    """A database of its own, brought up to the revision before failure kinds."""
    with database_at(config, "before_failure_kinds", "0009_name_keys") as app:
        yield app


def test_migration_reads_the_kind_of_earlier_failures_from_their_reasons(before_kinds):
    reasons = {
        "This file could not be read as a workbook: it may be damaged.": "file",
        "This workbook is password-protected. Remove the password in your spreadsheet program and upload it again.": "file",
        str(processing.MISSING_FILE): "missing",
        str(processing.GAVE_UP): "crash",
        "Processing took longer than the 300-second limit for one file, so it was stopped.": "timeout",
        "Reading this workbook needed more memory than one file may use, or crashed the reader.": "memory",
        "This workbook needs more memory than one file is allowed, so it was stopped.": "memory",
        "x": None,
    }
    with before_kinds.app_context():
        db.session.execute(text("""INSERT INTO categories (name, name_key, region, region_key, type, type_key, total, documents)
                                   VALUES ('c', 'c', 'Asia', 'asia', 't', 't', 0, 0)"""))
        for n, reason in enumerate(reasons):
            db.session.execute(text("""INSERT INTO documents (category_id, filename, sha256, size, status, error)
                                       SELECT id, :f, :sha, 10, 'failed', :e FROM categories"""),
                               {"f": f"{n}.xlsx", "sha": f"{n:064d}", "e": reason})
        db.session.execute(text("""INSERT INTO documents (category_id, filename, sha256, size, status)
                                   SELECT id, 'fine.xlsx', repeat('f', 64), 10, 'queued' FROM categories"""))
        db.session.commit()
        upgrade(revision="0012_failure_kinds")
        kinds = dict(db.session.execute(text("SELECT error, failure_kind FROM documents WHERE status = 'failed'")).all())
        assert kinds == reasons
        assert db.session.execute(text("SELECT failure_kind FROM documents WHERE status = 'queued'")).scalar() is None
        db.session.commit()
        downgrade(revision="0009_name_keys")
        columns = db.session.execute(text("SELECT column_name FROM information_schema.columns WHERE table_name = 'documents'"))
        assert "failure_kind" not in set(columns.scalars())


def test_the_api_names_the_failure_kind(client, api, run_jobs):
    api.create_category("broken")
    document_id = api.upload("broken", ("damaged.xlsx", damaged_workbook())).json["documents"][0]["id"]
    run_jobs()
    assert api.document(document_id)["failure_kind"] == "file"
