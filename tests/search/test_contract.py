"""One contract for the search interface, run against PostgreSQL and against Elasticsearch over HTTP.

Documents go through real uploads and the real worker path; Elasticsearch is the noida-db emulator
unless ELASTICSEARCH_URL names a real server (see tests/fixtures_search.py).
"""

import threading
import time

import pytest
from sqlalchemy import text

from tests.fixtures_search import BACKENDS, on_each_backend, settle
from webapp import search
from webapp.extensions import db
from webapp.search import SearchQuery
from webapp.search.elastic_index import connect
from webapp.services.pipeline import sweeper


@pytest.fixture(params=BACKENDS)
def app(request, app):
    """The app under test, once per search backend (overrides the PostgreSQL-only `app`)."""
    yield from on_each_backend(request, app)


@pytest.fixture
def run_jobs(run_jobs, app):
    """Process queued uploads, then wait out Elasticsearch's near-real-time refresh."""

    def run() -> None:
        run_jobs()
        settle(app)

    return run


@pytest.fixture
def library(api, make_workbook, run_jobs):
    """Three categories in two regions with processed workbooks; returns their ids by file name."""
    api.create_category("asian_phones", region="Asia", type="phones")
    api.create_category("eu_phones", region="Europe", type="phones")
    api.create_category("eu_tablets", region="Europe", type="tablets")
    uploads = [
        ("asian_phones", "galaxy.xlsx", [["Galaxy charger", 25], ["red cable", 3], ["Café crème", "price 12.50"]]),
        ("eu_phones", "pixel.xlsx", [["Pixel charger", 40], ["blue cable", 4], ["plain cafe"]]),
        ("eu_tablets", "tab.xlsx", [["tablet stand", 15], ["<script>alert(1)</script> charger"]]),
    ]
    ids = {}
    for category, filename, rows in uploads:
        response = api.upload(category, (filename, make_workbook({"Sheet": rows})))
        ids[filename] = response.json["documents"][0]["id"]
    run_jobs()
    return ids


def _search(client, **params) -> dict:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def _files(client, **params) -> set[str]:
    return {hit["filename"] for hit in _search(client, **params)["hits"]}


def _run(runner, *args):
    return runner.invoke(args=["search", *args])


def test_done_files_are_indexed_and_found_with_marked_fragments(client, api, library):
    result = _search(client, q="galaxy")
    assert result["total"] == 1
    hit = result["hits"][0]
    assert (hit["filename"], hit["category"], hit["region"], hit["type"]) == ("galaxy.xlsx", "asian_phones", "Asia", "phones")
    assert any("<mark>Galaxy</mark>" in fragment for fragment in hit["highlights"])
    assert all(api.document(i)["searchable"] for i in library.values())


def test_indexing_again_changes_nothing(app, client, runner, library):
    with app.app_context():
        for _ in range(2):
            search.index_document(library["galaxy.xlsx"])
    settle(app)
    assert _search(client, q="galaxy")["total"] == 1
    assert _search(client, q="charger")["total"] == 3
    assert _run(runner, "check").exit_code == 0


def test_deleted_document_is_no_longer_found_until_reindexed(app, client, runner, library):
    with app.app_context():
        search.delete_document(library["galaxy.xlsx"])
        search.delete_document(library["galaxy.xlsx"])  # deleting twice is fine
    assert _search(client, q="galaxy")["total"] == 0
    assert _files(client, q="charger") == {"pixel.xlsx", "tab.xlsx"}
    result = _run(runner, "check")
    assert result.exit_code == 1 and f"1 document(s) missing from the index: {library['galaxy.xlsx']}" in result.output

    result = _run(runner, "reindex")
    assert result.exit_code == 0 and "Indexed 3 document(s)." in result.output
    settle(app)
    assert _files(client, q="galaxy") == {"galaxy.xlsx"}
    assert _run(runner, "check").exit_code == 0


def test_check_reports_stale_and_extra_documents(app, runner, library):
    with app.app_context():
        db.session.execute(text("UPDATE documents SET updated_at = updated_at + interval '1 second' WHERE id = :id"),
                           {"id": library["pixel.xlsx"]})
        db.session.execute(text("UPDATE documents SET status = 'failed' WHERE id = :id"), {"id": library["tab.xlsx"]})
        db.session.commit()
    result = _run(runner, "check")
    assert result.exit_code == 1
    assert f"1 document(s) stale in the index: {library['pixel.xlsx']}" in result.output
    assert f"1 document(s) in the index but not done: {library['tab.xlsx']}" in result.output


def test_phrases_exclusions_and_either_word(client, library):
    assert _files(client, q='"red cable"') == {"galaxy.xlsx"}
    assert _files(client, q='"cable red"') == set()
    assert _files(client, q="charger -pixel") == {"galaxy.xlsx", "tab.xlsx"}
    assert _files(client, q="galaxy | pixel") == {"galaxy.xlsx", "pixel.xlsx"}
    assert _files(client, q="galaxy or pixel") == {"galaxy.xlsx", "pixel.xlsx"}
    assert _files(client, q="charger cable") == {"galaxy.xlsx", "pixel.xlsx"}


def test_accents_and_case_are_folded(client, library):
    assert _files(client, q="cafe") == {"galaxy.xlsx", "pixel.xlsx"}
    assert _files(client, q="CAFÉ") == {"galaxy.xlsx", "pixel.xlsx"}
    assert _files(client, q="creme") == {"galaxy.xlsx"}
    assert _files(client, q='"cafe creme"') == {"galaxy.xlsx"}


def test_numbers_match_in_any_written_form(client, library):
    assert _files(client, q="12.5") == {"galaxy.xlsx"}
    assert _files(client, q="12.50") == {"galaxy.xlsx"}
    assert _files(client, q="25.0") == {"galaxy.xlsx"}


def test_filters_by_type_region_and_category(client, library):
    assert _files(client, q="charger", type="phones") == {"galaxy.xlsx", "pixel.xlsx"}
    assert _files(client, q="charger", region="europe") == {"pixel.xlsx", "tab.xlsx"}
    assert _files(client, q="charger", category="eu_tablets") == {"tab.xlsx"}
    assert _files(client, q="charger", region="Mars") == set()


def test_pages_split_the_hits_and_keep_the_total(app, api, make_workbook, run_jobs):
    api.create_category("shelf")
    api.upload("shelf", *[(f"box{i}.xlsx", make_workbook({"S": [["widget", i]]})) for i in range(5)])
    run_jobs()
    with app.app_context():
        pages = [search.search(SearchQuery("widget", None, page, per_page=2)) for page in (1, 2, 3, 4)]
        deep = search.search(SearchQuery("widget", None, page=100_000, per_page=20))
    assert [page.total for page in pages] == [5, 5, 5, 5]
    assert [len(page.hits) for page in pages] == [2, 2, 1, 0]
    ids = [hit.document_id for page in pages for hit in page.hits]
    assert len(set(ids)) == 5
    assert (deep.total, deep.hits) == (5, [])


def test_cell_text_is_escaped_and_only_mark_is_html(client, library):
    for query in ("charger", "alert", "script", "<script>"):
        hits = _search(client, q=query, category="eu_tablets")["hits"]
        joined = " ".join(fragment for hit in hits for fragment in hit["highlights"])
        assert "(1)" in joined and "<" not in joined.replace("<mark>", "").replace("</mark>", ""), query
    assert "<mark>charger</mark>" in " ".join(_search(client, q="charger", category="eu_tablets")["hits"][0]["highlights"])


def test_find_regions_with_file_counts(client, library):
    response = client.get("/api/regions", query_string={"term": "charger"})
    assert response.status_code == 200
    assert response.json["regions"] == ["Asia", "Europe"]
    assert response.json["files"] == {"Asia": 1, "Europe": 2}
    assert client.get("/api/regions", query_string={"term": "tablet"}).json["regions"] == ["Europe"]
    assert client.get("/api/regions", query_string={"term": "nothing-like-it"}).json["regions"] == []
    page = client.get("/regions", query_string={"term": "cable"})
    assert page.status_code == 200 and b"Asia" in page.data and b"Europe" in page.data


# A NUL character is refused before any search sees it (400, tests/web/test_odd_input.py).
@pytest.mark.parametrize("query", ['"unclosed', "(((", "-", "|", "a | | b", '" -"|||', "*", "~2", "\\", "é" * 400])
def test_any_input_answers_without_error(client, library, query):
    assert client.get("/api/search", query_string={"q": query}).status_code == 200
    assert client.get("/search", query_string={"q": query}).status_code == 200
    assert client.get("/api/regions", query_string={"term": query}).status_code == 200


@pytest.mark.parametrize("app", ["elasticsearch"], indirect=True)
def test_reindex_swaps_the_alias_while_searches_keep_answering(app, api, make_workbook, run_jobs, runner):
    api.create_category("stock")
    api.upload("stock", *[(f"part{i}.xlsx", make_workbook({"S": [["sprocket", i]]})) for i in range(12)])
    run_jobs()
    backend = app.extensions["search"]
    backend.batch_size = 2  # several bulk requests, so searches interleave with the rebuild
    seen: list[tuple[bool, int]] = []
    rebuilding, stop = threading.Event(), threading.Event()

    def keep_searching() -> None:
        with app.app_context():
            deadline = time.monotonic() + 60
            while not stop.is_set() and time.monotonic() < deadline and len(seen) < 5000:
                during = rebuilding.is_set()
                seen.append((during, search.search(SearchQuery("sprocket", None, per_page=50)).total))

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        rebuilding.set()
        first = _run(runner, "reindex")
        second = _run(runner, "reindex")
        rebuilding.clear()
    finally:
        stop.set()
        searcher.join(timeout=30)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert any(during for during, _ in seen), "no search ran while the index was rebuilt"
    assert {total for _, total in seen} == {12}
    alias = app.config["ELASTICSEARCH_INDEX"]
    assert list(backend.client.indices.get_alias(name=alias).body) == [f"{alias}-v3"]
    assert list(backend.client.indices.get_alias(index=f"{alias}-v*").body) == [f"{alias}-v3"]
    assert _run(runner, "check").exit_code == 0


@pytest.mark.parametrize("app", ["elasticsearch"], indirect=True)
def test_search_down_shows_a_clear_error_and_uploads_still_count(app, client, api, make_workbook, run_jobs, runner,
                                                                  search_server):
    api.create_category("depot", region="Asia")
    api.upload("depot", ("before.xlsx", make_workbook({"S": [["anvil", 5]]})))
    run_jobs()
    with search_server.outage(app):
        page = client.get("/search", query_string={"q": "anvil"})
        assert page.status_code == 503 and b"Search is unavailable right now" in page.data
        response = client.get("/api/search", query_string={"q": "anvil"})
        assert response.status_code == 503 and "unavailable" in response.json["error"]
        assert client.get("/api/regions", query_string={"term": "anvil"}).status_code == 503
        assert client.get("/regions", query_string={"term": "anvil"}).status_code == 503
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json["search"].startswith("down")
        for command in ("reindex", "check"):
            result = _run(runner, command)
            assert result.exit_code == 1 and "Search is unavailable" in result.output, result.output

        upload = api.upload("depot", ("during.xlsx", make_workbook({"S": [["anvil", 7]]})))
        assert upload.status_code == 202
        run_jobs()
        during = api.document(upload.json["documents"][0]["id"])
        assert (during["status"], during["total"], during["searchable"]) == ("done", "7", False)
        assert client.get("/api/categories/depot").json["total"] == "12"
    with app.app_context():
        assert sweeper.catch_up_index() == 1
    settle(app)
    assert _files(client, q="anvil") == {"before.xlsx", "during.xlsx"}
    assert api.document(upload.json["documents"][0]["id"])["searchable"] is True


@pytest.mark.parametrize("app", ["elasticsearch"], indirect=True)
def test_an_older_write_never_replaces_a_newer_one(app, client, api, make_workbook, run_jobs):
    api.create_category("lab")
    document_id = api.upload("lab", ("notes.xlsx", make_workbook({"S": [["first draft"]]}))).json["documents"][0]["id"]
    run_jobs()
    change = text("UPDATE documents SET text = :text, updated_at = CAST(:at AS timestamp) WHERE id = :id")
    with app.app_context():
        # Reprocessed: new text, a later version; then a slow writer arrives with what it read before.
        db.session.execute(change, {"text": "second draft", "at": "2100-01-01 00:00:02", "id": document_id})
        db.session.commit()
        search.index_document(document_id)
        db.session.execute(change, {"text": "first draft", "at": "2100-01-01 00:00:01", "id": document_id})
        db.session.commit()
        search.index_document(document_id)
    settle(app)
    assert _files(client, q="second") == {"notes.xlsx"}
    assert _files(client, q="first") == set()


@pytest.mark.parametrize("app", ["elasticsearch"], indirect=True)
def test_a_missing_ca_certificate_is_refused_with_a_clear_message(tmp_path):
    settings = {"ELASTICSEARCH_URL": "https://127.0.0.1:9200", "ELASTICSEARCH_CA_CERTS": str(tmp_path / "ca.crt")}
    with pytest.raises(RuntimeError, match="ELASTICSEARCH_CA_CERTS .* is not a file"):
        connect(settings)
    (tmp_path / "ca.crt").write_text("")
    client = connect(settings)
    assert all(node.config.verify_certs for node in client.transport.node_pool.all())


def test_deleting_before_anything_was_indexed_leaves_search_working(app, client, api, make_workbook, run_jobs):
    with app.app_context():
        search.delete_document(12345)
    api.create_category("fresh")
    api.upload("fresh", ("first.xlsx", make_workbook({"S": [["kettle", 1]]})))
    run_jobs()
    assert _files(client, q="kettle") == {"first.xlsx"}
