"""Every change of a total writes its ledger row with it: counted, removed, reprocessed, withdrawn, repaired."""

from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.fixtures_accounts import make_user, sign_in
from webapp.extensions import db
from webapp.services.pipeline import storage


@pytest.fixture
def upload(api, make_workbook):
    """Upload one single-number workbook per value into a category; return the document ids."""

    def send(category, *values, prefix="w", client=None):
        files = [(f"{prefix}{i}.xlsx", make_workbook({"S": [[value]]})) for i, value in enumerate(values)]
        response = api.upload(category, *files) if client is None else _upload(client, category, files)
        assert response.status_code == 202, response.json
        return [d["id"] for d in response.json["documents"]]

    return send


def _upload(client, category, files):
    import io

    data = {"file": [(io.BytesIO(content), filename) for filename, content in files]}
    return client.post(f"/api/categories/{category}/files", data=data, content_type="multipart/form-data")


def history(client, name, page=1):
    response = client.get(f"/api/categories/{name}/history?page={page}")
    assert response.status_code == 200, response.json
    return response.json


def rows(client, name):
    """(kind, amount, total_after, filename, by) of every change, oldest first."""
    return [(c["kind"], c["amount"], c["total_after"], c["filename"], c["by"])
            for c in reversed(history(client, name)["changes"])]


def test_history_after_uploads_deletes_reprocess_and_a_failing_reprocess(app, api, client, upload, run_jobs, runner):
    editor = sign_in(app.test_client(), make_user(app, "editor", username="erin"))
    api.create_category("phones")
    first, second, third = upload("phones", 10, "2.5", 4, client=editor)
    run_jobs()
    assert client.delete(f"/api/documents/{second}").status_code == 204
    _older_reading(app, first, Decimal(90))  # as if older number rules had read 100 from this file
    assert editor.post(f"/api/documents/{first}/reprocess").status_code == 202
    run_jobs()
    _stored(app, third).write_bytes(b"PK\x03\x04 no longer a workbook")
    assert client.post(f"/api/documents/{third}/reprocess").status_code == 202
    run_jobs()

    admin = client.get("/api/me").json["username"]
    assert rows(client, "phones") == [
        ("counted", "100", "100", "w0.xlsx", "erin"),
        ("counted", "2.5", "102.5", "w1.xlsx", "erin"),
        ("counted", "4", "106.5", "w2.xlsx", "erin"),
        ("removed", "-2.5", "104", "w1.xlsx", admin),
        ("reprocessed", "-90", "14", "w0.xlsx", "erin"),
        ("withdrawn", "-4", "10", "w2.xlsx", admin),
    ]
    assert client.get("/api/categories/phones").json["total"] == "10"
    assert runner.invoke(args=["totals", "check"]).exit_code == 0


def _older_reading(app, document_id, more):
    """Make a counted file look as if it had been read as `more` larger, consistently everywhere."""
    with app.app_context():
        for statement in (
            "UPDATE documents SET total = total + :more, counted_total = counted_total + :more WHERE id = :id",
            "UPDATE categories SET total = total + :more",
            "UPDATE total_changes SET amount = amount + CASE WHEN document_id = :id THEN :more ELSE 0 END, "
            "total_after = total_after + :more WHERE id >= (SELECT id FROM total_changes WHERE document_id = :id)",
        ):
            db.session.execute(text(statement), {"id": document_id, "more": more})
        db.session.commit()


def _stored(app, document_id):
    with app.app_context():
        sha256 = db.session.execute(text("SELECT sha256 FROM documents WHERE id = :id"), {"id": document_id}).scalar()
        return storage.backend().path_for(sha256)  # these tests keep files in the local folder


def test_a_deleted_file_keeps_its_name_and_id_on_the_ledger_but_loses_its_link(api, client, upload, run_jobs):
    api.create_category("phones")
    (doc,) = upload("phones", 7)
    run_jobs()
    client.delete(f"/api/documents/{doc}")
    changes = history(client, "phones")["changes"]
    assert [(c["kind"], c["document_id"], c["filename"]) for c in changes] == [("removed", doc, "w0.xlsx"),
                                                                               ("counted", doc, "w0.xlsx")]
    page = client.get("/categories/phones/history").text
    assert "w0.xlsx" in page and f'href="/documents/{doc}"' not in page


def test_an_uncounted_file_deleted_changes_no_total_and_writes_no_row(api, client, upload):
    api.create_category("phones")
    (doc,) = upload("phones", 7)
    client.delete(f"/api/documents/{doc}")
    assert history(client, "phones")["changes"] == []


def test_repair_writes_a_repaired_row_that_brings_the_ledger_back(api, client, upload, run_jobs, runner, app):
    api.create_category("phones")
    upload("phones", 1.5, 2)
    run_jobs()
    with app.app_context():
        db.session.execute(text("UPDATE categories SET total = total + 0.01"))
        db.session.commit()
    check = runner.invoke(args=["totals", "check"])
    assert check.exit_code == 1
    assert "phones: total 3.51, but its ledger's changes add up to 3.5 and its latest change left 3.5" in check.output
    assert runner.invoke(args=["totals", "repair"]).exit_code == 0
    assert rows(client, "phones")[-1] == ("repaired", "0", "3.5", None, None)
    assert runner.invoke(args=["totals", "check"]).exit_code == 0


def test_repair_fixes_a_ledger_that_lost_a_row(api, client, upload, run_jobs, runner, app):
    api.create_category("phones")
    first, _ = upload("phones", 1.5, 2)
    run_jobs()
    with app.app_context():
        db.session.execute(text("DELETE FROM total_changes WHERE document_id = :id"), {"id": first})
        db.session.commit()
    assert runner.invoke(args=["totals", "check"]).exit_code == 1
    assert "Repaired phones: total 3.5 → 3.5" in runner.invoke(args=["totals", "repair"]).output
    assert rows(client, "phones")[-1] == ("repaired", "1.5", "3.5", None, None)
    assert runner.invoke(args=["totals", "check"]).exit_code == 0


def test_history_is_paginated_newest_first(api, client, upload, run_jobs):
    api.create_category("phones")
    upload("phones", *range(1, 56))
    run_jobs()
    first, second = history(client, "phones"), history(client, "phones", page=2)
    assert (first["page"], first["pages"], len(first["changes"])) == (1, 2, 50)
    assert len(second["changes"]) == 5
    totals = [Decimal(c["total_after"]) for c in first["changes"] + second["changes"]]
    assert totals == sorted(totals, reverse=True) and totals[0] == sum(range(1, 56))
    assert client.get("/api/categories/phones/history?page=0").status_code == 400


def test_the_history_of_another_region_looks_like_no_category(api, client, upload, run_jobs, login_as, bearer):
    api.create_category("phones")
    api.create_category("euro", region="Europe")
    upload("phones", 3)
    run_jobs()
    asia = login_as("viewer", ["Asia"])
    assert asia.get("/api/categories/phones/history").status_code == 200
    assert asia.get("/api/categories/euro/history").status_code == 404
    assert asia.get("/categories/euro/history").status_code == 404
    europe = bearer("viewer", ["Europe"])
    answer = client.application.test_client().get("/api/categories/phones/history", headers=europe)
    assert answer.status_code == 404 and "w0.xlsx" not in answer.text
