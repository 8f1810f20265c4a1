"""Answers reused between requests are never stale: any commit, from any process, shows in the next answer."""

import threading

import psycopg
from sqlalchemy import text

from tests.fixtures_databases import statements_run
from webapp.extensions import db
from webapp.services.answers import categories


def _commit_elsewhere(config, statement: str) -> None:
    """Change the database from another connection, as another web process or a worker would."""
    url = config.SQLALCHEMY_DATABASE_URI.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def _in_another_request(client, path: str) -> dict:
    """GET from another thread: its own app context and database session, like a concurrent visitor."""
    answers = []
    visitor = threading.Thread(target=lambda: answers.append(client.get(path).json))
    visitor.start()
    visitor.join(timeout=30)
    return answers[0]


def test_a_repeated_sum_type_is_answered_without_recomputing(app, client, api):
    api.create_category("asian_phones")
    client.get("/api/types/phones/sum")
    with statements_run(app) as statements:
        assert client.get("/api/types/phones/sum").json["total"] == "0"
    assert [s for s in statements if "categories" in s] == [], "the sum was computed again though nothing changed"


def test_sum_type_shows_a_change_committed_by_another_process_at_once(app, client, api, config):
    api.create_category("asian_phones")
    assert client.get("/api/types/phones/sum").json["total"] == "0"
    assert client.get("/api/types/phones/sum").json["total"] == "0"
    _commit_elsewhere(config, "UPDATE categories SET total = total + 12.5, documents = documents + 1")
    assert client.get("/api/types/phones/sum").json == {"type": "phones", "total": "12.5", "documents": 1, "pending": 0}


def test_totals_follow_every_processed_and_deleted_file(client, api, run_jobs, make_workbook):
    api.create_category("asian_phones")
    for value in (5, 7):
        assert client.get("/api/types/phones/sum").status_code == 200
        api.upload("asian_phones", (f"f{value}.xlsx", make_workbook({"S": [[value]]})))
        assert client.get("/api/types/phones/sum").json["pending"] == 1
        run_jobs()
    assert client.get("/api/types/phones/sum").json["total"] == "12"
    first = client.get("/api/categories/asian_phones/documents").json["documents"][-1]["id"]
    client.get("/")
    page = client.post(f"/documents/{first}/delete", data={"confirm": "yes"}, follow_redirects=True)
    assert page.status_code == 200
    assert client.get("/api/types/phones/sum").json["total"] == "7"
    assert 'id="grand-total">7<' in client.get("/").text


def test_search_and_regions_find_a_file_right_after_it_is_processed(client, api, run_jobs, make_workbook):
    api.create_category("asian_phones", region="Asia")
    api.create_category("eu_phones", region="Europe")
    assert client.get("/api/search?q=zebra").json["total"] == 0
    assert client.get("/api/regions?term=zebra").json["regions"] == []
    assert "Nothing matched" in client.get("/search?q=zebra").text
    api.upload("eu_phones", ("zoo.xlsx", make_workbook({"S": [["zebra", 3]]})))
    run_jobs()
    assert [h["filename"] for h in client.get("/api/search?q=zebra").json["hits"]] == ["zoo.xlsx"]
    assert client.get("/api/regions?term=zebra").json["regions"] == ["Europe"]
    assert "zoo.xlsx" in client.get("/search?q=zebra").text


def test_dashboard_shows_a_new_category_and_a_filter_at_once(client, api, config):
    api.create_category("asian_phones", region="Asia")
    assert "eu_tablets" not in client.get("/").text
    assert "eu_tablets" not in client.get("/?region=Europe").text
    api.create_category("eu_tablets", region="Europe", type="tablets")
    assert "eu_tablets" in client.get("/").text
    assert "eu_tablets" in client.get("/?region=Europe").text
    _commit_elsewhere(config, "UPDATE categories SET total = 41 WHERE name = 'eu_tablets'")
    assert 'id="grand-total">41<' in client.get("/").text


def test_uncommitted_changes_are_never_kept_for_others(app, client, api):
    api.create_category("asian_phones")
    with app.app_context():
        db.session.execute(text("UPDATE categories SET total = 999"))
        # This transaction sees its own change; nobody else may be given it, now or after the rollback.
        assert categories.sum_type("phones").total == 999
        assert _in_another_request(client, "/api/types/phones/sum")["total"] == "0"
        db.session.rollback()
    assert client.get("/api/types/phones/sum").json["total"] == "0"


def test_identifying_the_caller_is_the_only_query_of_a_cached_answer(app, api, bearer):
    api.create_category("asian_phones")
    headers, caller = bearer("viewer"), app.test_client()
    for _ in range(2):  # the first use notes the token's last use, the second fills the cache
        caller.get("/api/types/phones/sum", headers=headers)
    with statements_run(app) as statements:
        assert caller.get("/api/types/phones/sum", headers=headers).json["total"] == "0"
    assert len(statements) == 1 and "api_tokens" in statements[0], statements


def test_the_category_list_and_a_category_s_files_show_a_change_committed_elsewhere_at_once(client, api, config):
    api.create_category("asian_phones")
    for _ in range(2):  # the second is the stored answer
        assert client.get("/api/categories").json["categories"][0]["total"] == "0"
        assert client.get("/api/categories/asian_phones/documents").json["documents"] == []
    _commit_elsewhere(config, "UPDATE categories SET total = 12.5 WHERE name = 'asian_phones'")
    assert client.get("/api/categories").json["categories"][0]["total"] == "12.5"
    assert client.get("/api/categories/asian_phones/documents").json["category"]["total"] == "12.5"
    api.create_category("eu_phones", region="Europe")
    assert [c["name"] for c in client.get("/api/categories").json["categories"]] == ["asian_phones", "eu_phones"]


def test_a_category_s_files_follow_an_upload_and_its_processing(client, api, run_jobs, make_workbook):
    api.create_category("asian_phones")
    assert client.get("/api/categories/asian_phones/documents").json["documents"] == []
    api.upload("asian_phones", ("a.xlsx", make_workbook({"S": [[4]]})))
    listed = client.get("/api/categories/asian_phones/documents").json
    assert ([d["status"] for d in listed["documents"]], listed["pending"]) == (["queued"], 1)
    run_jobs()
    listed = client.get("/api/categories/asian_phones/documents").json
    assert ([d["total"] for d in listed["documents"]], listed["pending"]) == (["4"], 0)


def test_a_stored_category_list_is_never_given_to_someone_of_another_region(app, api, bearer):
    api.create_category("asian_phones", region="Asia")
    api.create_category("eu_phones", region="Europe")
    admin, europe = bearer("admin"), bearer("viewer", regions=["Europe"])
    caller = app.test_client()
    for _ in range(2):
        assert len(caller.get("/api/categories", headers=admin).json["categories"]) == 2
    assert [c["name"] for c in caller.get("/api/categories", headers=europe).json["categories"]] == ["eu_phones"]
