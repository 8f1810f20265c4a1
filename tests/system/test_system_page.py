"""The System page and GET /api/system: admins only, the facts as specified, actions that fix things, CSRF."""

import io
import re
import zipfile

from sqlalchemy import text

from tests.fixtures_accounts import signed_in_client
from webapp import create_app
from webapp.extensions import db


def _broken() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet")
    return buffer.getvalue()


def _one_done_one_failed(api, make_workbook, run_jobs, category="asian_phones", region="Asia") -> tuple[int, int]:
    api.create_category(category, region=region)
    done = api.upload(category, ("good.xlsx", make_workbook({"S": [[4]]}))).json["documents"][0]["id"]
    failed = api.upload(category, ("broken.xlsx", _broken())).json["documents"][0]["id"]
    run_jobs()
    return done, failed


def test_api_system_gives_exactly_the_specified_facts(client, api, make_workbook, run_jobs):
    _one_done_one_failed(api, make_workbook, run_jobs)
    facts = client.get("/api/system").json
    assert set(facts) == {"workers", "queue", "documents", "unsearchable", "totals_check", "storage", "search", "versions"}
    assert facts["workers"] == []  # no worker process runs in this test
    assert facts["queue"] == {"depth": 0, "oldest_seconds": None}
    assert facts["documents"] == {"queued": 0, "processing": 0, "done": 1, "failed": 1}
    assert facts["unsearchable"] == 0
    assert facts["totals_check"] == {"at": None, "mismatches": None}
    assert facts["storage"]["files"] == 2 and facts["storage"]["bytes"] > 0
    assert facts["search"] == {"backend": "postgresql", "status": "ok"}
    assert set(facts["versions"]) == {"app", "postgresql", "redis", "search"} and facts["versions"]["postgresql"][:2] == "18"


def test_the_system_page_is_for_admins_only(client, login_as, bearer, anonymous):
    page = client.get("/system")
    assert page.status_code == 200 and "Workers alive" in page.text and 'id="live"' in page.text
    assert 'href="/system"' in page.text
    for role in ("viewer", "editor"):
        refused = login_as(role)
        assert refused.get("/system").status_code == 403
        assert refused.get("/api/system").status_code == 403
        assert 'href="/system"' not in refused.get("/").text
        assert refused.post("/system/retry-failed").status_code == 403
    assert anonymous.get("/api/system", headers=bearer("viewer")).status_code == 403
    assert anonymous.get("/api/system").status_code == 401
    assert anonymous.get("/system").location.startswith("/login")


def test_retry_all_failed_from_the_page_queues_them_again(client, api, make_workbook, run_jobs):
    done, failed = _one_done_one_failed(api, make_workbook, run_jobs)
    page = client.get("/system")
    assert "Retry all failed" in page.text and "broken.xlsx" in page.text
    answer = client.post("/system/retry-failed", follow_redirects=True)
    assert "1 failed file(s) are queued again." in answer.text
    assert api.document(failed)["status"] == "queued" and api.document(done)["status"] == "done"
    assert client.get("/api/system").json["queue"]["depth"] == 1


def test_check_totals_now_records_when_and_what_it_found(client, api, make_workbook, run_jobs, app):
    _one_done_one_failed(api, make_workbook, run_jobs)
    answer = client.post("/system/check-totals", follow_redirects=True)
    assert "total matches its documents." in answer.text
    check = client.get("/api/system").json["totals_check"]
    assert check["mismatches"] == 0 and check["at"]
    with app.app_context():
        db.session.execute(text("UPDATE categories SET total = total + 1"))
        db.session.commit()
    answer = client.post("/system/check-totals", follow_redirects=True)
    assert "1 category total(s) differ" in answer.text
    assert client.get("/api/system").json["totals_check"]["mismatches"] == 1


def test_rebuild_search_index_runs_as_a_job_with_progress(client, api, make_workbook, run_jobs, app):
    api.create_category("asian_phones")
    for n in range(3):
        api.upload("asian_phones", (f"f{n}.xlsx", make_workbook({"S": [[f"walrus {n}"]]})))
    run_jobs()
    with app.app_context():
        # As if the index had been lost: no document marked indexed, no chunk searchable.
        db.session.execute(text("UPDATE documents SET indexed_at = NULL"))
        db.session.execute(text("UPDATE document_chunks SET tsv = NULL"))
        db.session.commit()
    assert client.get("/api/system").json["unsearchable"] == 3
    assert client.get("/api/search?q=walrus").json["total"] == 0
    answer = client.post("/system/rebuild-search", follow_redirects=True)
    assert "being rebuilt" in answer.text
    assert "already on its way" in client.post("/system/rebuild-search", follow_redirects=True).text
    run_jobs()
    page = client.get("/system").text
    assert re.search(r"finished</strong>,\s*3 of 3 files indexed", page)
    assert client.get("/api/system").json["unsearchable"] == 0
    assert client.get("/api/search?q=walrus").json["total"] == 3


def test_the_actions_need_the_page_csrf_token(config, api, make_workbook, run_jobs):
    _done, failed = _one_done_one_failed(api, make_workbook, run_jobs)
    config.WTF_CSRF_ENABLED = True
    try:
        app = create_app(config)
    finally:
        config.WTF_CSRF_ENABLED = False
    admin = signed_in_client(app)
    for action in ("retry-failed", "rebuild-search", "check-totals"):
        assert admin.post(f"/system/{action}").status_code == 400
    assert api.document(failed)["status"] == "failed"
    page = admin.get("/system").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert admin.post("/system/retry-failed", data={"csrf_token": token}).status_code == 302
    assert api.document(failed)["status"] == "queued"


def test_an_admin_of_some_regions_sees_their_files_only_and_cannot_press_the_actions(app, api, make_workbook, run_jobs,
                                                                                   login_as):
    _one_done_one_failed(api, make_workbook, run_jobs, "europe_phones", "Europe")
    asia = login_as("admin", ["Asia"])
    facts = asia.get("/api/system").json
    assert facts["documents"] == {"queued": 0, "processing": 0, "done": 0, "failed": 0}
    assert facts["storage"] == {"files": 0, "bytes": 0}
    page = asia.get("/system").text
    assert "broken.xlsx" not in page and "Retry all failed" not in page
    assert asia.post("/system/retry-failed").status_code == 403
