"""The audit trail names who did each thing, admins alone read it, and nothing can change it."""

import io

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.fixtures_accounts import PASSWORD, make_user, sign_in
from webapp.extensions import db


def _events(client, **filters):
    response = client.get("/api/audit", query_string=filters)
    assert response.status_code == 200, response.json
    return [(e["actor"], e["kind"], e["object"]) for e in reversed(response.json["events"])]


def _upload(client, name, content, filename="q3.xlsx"):
    response = client.post(f"/api/categories/{name}/files", content_type="multipart/form-data",
                           data={"file": [(io.BytesIO(content), filename)]})
    assert response.status_code == 202, response.json
    return response.json["documents"][0]["id"]


def test_every_account_action_is_recorded_with_its_actor_and_address(app, client, anonymous):
    admin = client.get("/api/me").json["username"]
    client.post("/api/users", json={"username": "maria", "password": PASSWORD, "role": "editor"})
    anonymous.post("/login", data={"username": "maria", "password": "wrong"}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    anonymous.post("/login", data={"username": "maria", "password": PASSWORD})
    anonymous.post("/logout")
    token = anonymous.post("/api/tokens", json={"username": "maria", "password": PASSWORD, "name": "nightly"}).json
    anonymous.delete(f"/api/tokens/{token['id']}", headers={"Authorization": f"Bearer {token['token']}"})
    client.patch("/api/users/maria", json={"role": "viewer"})
    client.patch("/api/users/maria", json={"active": False})
    client.delete("/api/users/maria")

    assert _events(client)[1:] == [  # after the admin the fixture made
        (admin, "user_created", "user maria"),
        (None, "sign_in_failed", "user maria"),
        ("maria", "signed_in", "user maria"),
        ("maria", "signed_out", "user maria"),
        ("maria", "signed_in", "user maria"),
        ("maria", "token_created", f"token #{token['id']}"),
        ("maria", "token_revoked", f"token #{token['id']}"),
        (admin, "user_changed", "user maria"),
        (admin, "user_disabled", "user maria"),
        (admin, "user_changed", "user maria"),
        (admin, "user_deleted", "user maria"),
    ]
    failed = client.get("/api/audit?kind=sign_in_failed").json["events"][0]
    assert failed["address"] == "10.1.2.3" and failed["detail"] == {"via": "form"}


def test_every_change_to_categories_files_and_totals_is_recorded(app, client, runner, run_jobs, make_workbook):
    editor = sign_in(app.test_client(), make_user(app, "editor", username="erin"))
    admin = client.get("/api/me").json["username"]
    editor.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"})
    doc = _upload(editor, "phones", make_workbook({"S": [[4]]}))
    run_jobs()
    editor.post(f"/api/documents/{doc}/reprocess")
    run_jobs()
    with app.app_context():
        db.session.execute(text("UPDATE categories SET total = total + 1"))
        db.session.commit()
    runner.invoke(args=["totals", "repair"])
    client.delete(f"/api/documents/{doc}")
    broken = _upload(editor, "phones", _corrupt_workbook(), "bad.xlsx")
    run_jobs()
    editor.post(f"/api/documents/{broken}/retry")
    client.delete("/api/categories/phones")

    assert _events(client)[-8:] == [
        ("erin", "category_created", "category phones"),
        ("erin", "file_uploaded", f"file #{doc} q3.xlsx"),
        ("erin", "file_reprocessed", f"file #{doc} q3.xlsx"),
        (None, "totals_repaired", "totals"),
        (admin, "file_deleted", f"file #{doc} q3.xlsx"),
        ("erin", "file_uploaded", f"file #{broken} bad.xlsx"),
        ("erin", "file_retried", f"file #{broken} bad.xlsx"),
        (admin, "category_deleted", "category phones"),
    ]
    deleted = client.get("/api/audit", query_string={"kind": "file_deleted"}).json["events"][0]
    assert deleted["detail"] == {"category": "phones", "subtracted": "4"}


def _corrupt_workbook() -> bytes:
    """A zip that passes the upload checks (it names a workbook part) but holds no readable workbook."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "this is not xml")
    return buffer.getvalue()


def test_an_admin_finds_who_deleted_a_file(app, client, make_workbook, run_jobs):
    other = make_user(app, "admin", username="olga")
    olga = sign_in(app.test_client(), other)
    client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"})
    doc = _upload(client, "phones", make_workbook({"S": [[4]]}))
    run_jobs()
    olga.delete(f"/api/documents/{doc}")
    found = client.get("/api/audit", query_string={"kind": "file_deleted", "object": "Q3.XLSX"}).json["events"]
    assert [e["actor"] for e in found] == ["olga"]
    page = client.get("/audit", query_string={"kind": "file_deleted", "user": "olga"}).text
    assert "olga" in page and "q3.xlsx" in page
    assert "No event matches" in client.get("/audit", query_string={"user": "nobody"}).text


def test_filters_by_date_and_bad_dates_are_refused(client):
    client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"})
    assert _events(client, since="2999-01-01") == []
    assert _events(client, until="2001-01-01") == []
    assert len(_events(client, since="2001-01-01", until="2999-01-01T00:00:00Z")) == 2  # the admin and the category
    answer = client.get("/api/audit?since=last+week")
    assert answer.status_code == 400 and "ISO 8601" in answer.json["error"]
    assert client.get("/audit?until=soon").status_code == 400


def test_only_admins_read_the_audit_trail(login_as):
    for role in ("viewer", "editor"):
        assert login_as(role).get("/api/audit").status_code == 403
        assert login_as(role).get("/audit").status_code == 403
    assert 'href="/audit"' in login_as("admin").get("/").text
    assert 'href="/audit"' not in login_as("editor").get("/").text


def test_the_trail_cannot_be_changed_or_deleted(app, client):
    client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"})
    with app.app_context():
        for statement in ("UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert db.session.execute(text("SELECT count(*) FROM audit_events")).scalar() == 2


def test_reprocessing_a_whole_category_is_one_event(client, runner, run_jobs, make_workbook):
    client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"})
    _upload(client, "phones", make_workbook({"S": [[1]]}), "a.xlsx")
    _upload(client, "phones", make_workbook({"S": [[2]]}), "b.xlsx")
    run_jobs()
    assert runner.invoke(args=["documents", "reprocess", "--category", "phones"]).exit_code == 0
    events = client.get("/api/audit?kind=file_reprocessed").json["events"]
    assert [(e["actor"], e["object"], e["detail"], e["address"]) for e in events] == [
        (None, "category phones", {"files": 2}, "cli")]
