"""Totals as of an instant, read from the ledger: a category, sum_type and the dashboard, before and after each change."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from webapp.extensions import db


@pytest.fixture
def upload(api, make_workbook):
    """Upload one single-number workbook per value into a category; return the document ids."""

    def send(category, *values, prefix="w"):
        files = [(f"{prefix}{i}.xlsx", make_workbook({"S": [[value]]})) for i, value in enumerate(values)]
        response = api.upload(category, *files)
        assert response.status_code == 202, response.json
        return [d["id"] for d in response.json["documents"]]

    return send


def _instants(client, name):
    """The instant of every change of the category, oldest first."""
    changes = client.get(f"/api/categories/{name}/history").json["changes"]
    return [datetime.fromisoformat(c["at"]) for c in reversed(changes)]


def _total_at(client, name, at: datetime):
    response = client.get(f"/api/categories/{name}", query_string={"as_of": at.isoformat()})
    return response.status_code, (response.json or {}).get("total"), (response.json or {}).get("documents")


def test_a_category_as_of_before_and_after_each_change(api, client, upload, run_jobs):
    api.create_category("phones")
    first, second = upload("phones", 10, "2.5")
    run_jobs()
    client.delete(f"/api/documents/{second}")
    counted_1, counted_2, removed = _instants(client, "phones")
    tick = timedelta(microseconds=1)
    assert _total_at(client, "phones", counted_1 - tick) == (200, "0", 0)
    assert _total_at(client, "phones", counted_1) == (200, "10", 1)
    assert _total_at(client, "phones", counted_2) == (200, "12.5", 2)
    assert _total_at(client, "phones", removed - tick) == (200, "12.5", 2)
    assert _total_at(client, "phones", removed) == (200, "10", 1)
    assert client.get("/api/categories/phones").json["total"] == "10"


def test_a_category_that_did_not_exist_yet_is_404_and_a_bad_instant_400(api, client):
    api.create_category("phones")
    assert client.get("/api/categories/phones?as_of=2001-01-01").status_code == 404
    for bad in ("yesterday", "2024-13-01", "", "2024-05-01T25:00"):
        answer = client.get("/api/categories/phones", query_string={"as_of": bad})
        assert answer.status_code == 400 and "ISO 8601" in answer.json["error"], bad
        answer = client.get("/api/types/phones/sum", query_string={"as_of": bad})
        assert answer.status_code == 400 and "ISO 8601" in answer.json["error"], bad
    now = client.get("/api/categories/phones?as_of=2999-01-01T00:00:00Z").json
    assert (now["name"], now["total"]) == ("phones", "0")


def test_sum_type_as_of_adds_each_category_as_it_stood(api, client, upload, run_jobs):
    api.create_category("phones")
    api.create_category("phones-eu", region="Europe")
    upload("phones", 1)
    run_jobs()
    (middle,) = _instants(client, "phones")
    upload("phones-eu", 5)
    run_jobs()
    then = client.get("/api/types/phones/sum", query_string={"as_of": middle.isoformat()}).json
    assert (then["total"], then["documents"]) == ("1", 1)
    assert client.get("/api/types/phones/sum?as_of=2999-01-01").json["total"] == "6"
    assert client.get("/api/types/phones/sum").json["total"] == "6"
    assert client.get("/api/types/phones/sum?as_of=2001-01-01").status_code == 404


def test_as_of_sees_only_the_regions_one_may(api, client, upload, run_jobs, login_as):
    api.create_category("phones")
    api.create_category("phones-eu", region="Europe")
    upload("phones", 1)
    upload("phones-eu", 5)
    run_jobs()
    asia = login_as("viewer", ["Asia"])
    assert asia.get("/api/types/phones/sum?as_of=2999-01-01").json["total"] == "1"
    assert asia.get("/api/categories/phones-eu?as_of=2999-01-01").status_code == 404
    page = asia.get("/?as_of=2999-01-01T00:00:00").text
    assert "Europe" not in page.split('id="as-of"')[1]


def test_the_pickers_answer_on_the_category_page_and_the_dashboard(api, client, upload, run_jobs):
    api.create_category("phones")
    upload("phones", 7)
    run_jobs()
    page = client.get("/categories/phones?as_of=2999-01-01T00:00:00").text
    assert 'id="as-of-total">7<' in page
    assert "did not exist yet" in client.get("/categories/phones?as_of=2001-01-01T00:00").text
    assert "is not a date or time" in client.get("/categories/phones?as_of=soon").text
    dashboard = client.get("/?as_of=2999-01-01T00:00:00").text
    assert 'id="as-of-type"' in dashboard and 'id="as-of-region"' in dashboard
    assert "No category existed yet" in client.get("/?as_of=2001-01-01T00:00:00").text


def test_a_document_page_lists_its_own_changes(api, client, upload, run_jobs):
    api.create_category("phones")
    (doc,) = upload("phones", 7)
    run_jobs()
    assert client.post(f"/api/documents/{doc}/reprocess").status_code == 202
    run_jobs()
    page = client.get(f"/documents/{doc}").text
    changes = page.split('id="document-changes"')[1]
    assert "Counted on" in changes and "Reprocessed on" in changes and "+7" in changes


def test_an_as_of_answer_reads_one_row_per_category_not_the_history(api, client, app):
    """With a long history the as-of plan is an index lookup (LIMIT 1 on the category's index), never a sum."""
    api.create_category("phones")
    with app.app_context():
        db.session.execute(text("""
            INSERT INTO total_changes (category_id, kind, amount, total_after, documents_after, at)
            SELECT 1, 'counted', 1, n, n, now() - make_interval(secs => 100000 - n) FROM generate_series(1, 100000) n
        """))
        db.session.execute(text("UPDATE categories SET total = 100000, documents = 100000"))
        db.session.execute(text("ANALYZE total_changes"))
        plan = db.session.execute(text("""
            EXPLAIN (ANALYZE, FORMAT JSON) SELECT total_after FROM total_changes t WHERE t.category_id = 1
               AND t.at <= now() - interval '50000 seconds' ORDER BY t.at DESC, t.id DESC LIMIT 1
        """)).scalar()
        db.session.commit()
    scan = plan[0]["Plan"]["Plans"][0]
    assert scan["Node Type"] in ("Index Scan", "Index Scan Backward", "Index Only Scan") and scan["Actual Rows"] == 1
    assert client.get("/api/categories/phones", query_string={"as_of": "2999-01-01"}).json["total"] == "100000"


def test_as_of_just_before_and_at_every_kind_of_change(api, client, upload, run_jobs, runner, app):
    from webapp.services.pipeline import storage

    api.create_category("phones")
    first, second, third = upload("phones", 10, "2.5", 4)
    run_jobs()
    client.delete(f"/api/documents/{second}")
    client.post(f"/api/documents/{first}/reprocess")
    run_jobs()
    with app.app_context():
        sha256 = db.session.execute(text("SELECT sha256 FROM documents WHERE id = :id"), {"id": third}).scalar()
        storage.backend().path_for(sha256).write_bytes(b"PK\x03\x04 no longer a workbook")
        db.session.execute(text("UPDATE categories SET total = total + 1"))  # a difference for repair to fix
        db.session.commit()
    client.post(f"/api/documents/{third}/reprocess")
    run_jobs()
    runner.invoke(args=["totals", "repair"])

    changes = list(reversed(client.get("/api/categories/phones/history").json["changes"]))
    assert [c["kind"] for c in changes] == ["counted"] * 3 + ["removed", "reprocessed", "withdrawn", "repaired"]
    before = "0"
    for change in changes:
        at = datetime.fromisoformat(change["at"])
        assert _total_at(client, "phones", at - timedelta(microseconds=1))[1] == before, change
        assert _total_at(client, "phones", at)[1] == change["total_after"], change
        before = change["total_after"]
    assert before == client.get("/api/categories/phones").json["total"] == "10"
