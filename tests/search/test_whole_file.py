"""Search covers the whole file, on both backends: a word in the last row of a large workbook is found, named
by its cell and highlighted; words in distant rows are ANDed as in a small file; phrases and exclusions
hold for the cells listed; a file is listed once; region scopes still apply.
"""

import os
import random

import pytest

from tests.fixtures_files import xlsx_bytes
from tests.fixtures_search import BACKENDS, on_each_backend, settle
from webapp import search


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

    run.without_settling = run_jobs
    return run


def _rows(count: int) -> list[list[object]]:
    """A long sheet: an opening row, `count` filler rows, then the rows the tests look for at its very end."""
    rows: list[list[object]] = [["opening kettle", 1]]
    rows += [[f"filler row {i} of plain stock words", i % 7] for i in range(count)]
    rows += [["SKU-07747 lot 72.15", 2], ["closing teapot lot 7.64", 3]]
    return rows


@pytest.fixture
def large(api, run_jobs):
    """A workbook whose text is far past the 1,000,000 characters search used to keep, in region Asia."""
    rows = _rows(32_000)
    api.create_category("warehouse", region="Asia", type="stock")
    api.create_category("shop", region="Europe", type="stock")
    response = api.upload("warehouse", ("ledger.xlsx", xlsx_bytes({"Ledger": rows})))
    api.upload("shop", ("small.xlsx", xlsx_bytes({"S": [["teapot", 1], ["kettle", 2]]})))
    run_jobs()
    return response.json["documents"][0]["id"], len(rows)


def _search(client, **params) -> dict:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def _hit(client, q: str, filename: str = "ledger.xlsx") -> dict | None:
    return next((hit for hit in _search(client, q=q)["hits"] if hit["filename"] == filename), None)


def test_the_last_row_of_a_large_workbook_is_found_named_and_highlighted(app, client, api, large):
    document_id, rows = large
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import Document

        assert len(db.session.get(Document, document_id).text) > 1_000_000
    hit = _hit(client, "teapot")
    assert hit is not None and api.document(document_id)["searchable"] is True
    assert hit["locations"] == [{"cell": f"Ledger!A{rows}", "text": "closing <mark>teapot</mark> lot 7.64"}]
    assert any("<mark>teapot</mark>" in fragment for fragment in hit["highlights"])
    assert client.get("/api/regions", query_string={"term": "teapot"}).json["files"] == {"Asia": 1, "Europe": 1}


def test_a_large_file_is_listed_once_and_its_words_are_anded_across_its_rows(client, large):
    result = _search(client, q="filler")
    assert [hit["filename"] for hit in result["hits"]] == ["ledger.xlsx"] and result["total"] == 1
    assert _hit(client, "kettle teapot") is not None  # first row and last row
    assert _hit(client, "teapot -kettle") is None
    assert _hit(client, "kettle teapot", "small.xlsx") is not None
    assert _hit(client, '"teapot lot"') is not None and _hit(client, '"lot teapot"') is None


def test_hit_locations_honour_phrases_and_exclusions(client, large):
    hit = _hit(client, '"lot 7.64"')
    assert [location["cell"] for location in hit["locations"]] == [f"Ledger!A{large[1]}"]
    assert _hit(client, '"lot 72.15"')["locations"] == [
        {"cell": f"Ledger!A{large[1] - 1}", "text": "SKU-07747 <mark>lot 72.15</mark>"}
    ]
    assert _hit(client, "lot -sku") is None  # the file holds SKU anywhere: excluded, as in a small file


def test_region_scopes_still_apply_to_large_files(login_as, large):
    europe = login_as("viewer", ["Europe"])
    assert [hit["filename"] for hit in _search(europe, q="teapot")["hits"]] == ["small.xlsx"]
    assert europe.get("/api/regions", query_string={"term": "filler"}).json["regions"] == []


def test_cell_references_are_escaped_html_like_the_cell_text(client, api, run_jobs):
    api.create_category("odd")
    api.upload("odd", ("odd.xlsx", xlsx_bytes({"<b>Q&A</b>": [["marmalade & <i>jam</i>"]]})))
    run_jobs()
    (hit,) = _search(client, q="marmalade")["hits"]
    assert hit["locations"] == [{"cell": "&#39;&lt;b&gt;Q&amp;A&lt;/b&gt;&#39;!A1",
                                 "text": "<mark>marmalade</mark> &amp; &lt;i&gt;jam&lt;/i&gt;"}]
    page = client.get("/search", query_string={"q": "marmalade"}).text
    assert "&lt;b&gt;Q&amp;A&lt;/b&gt;" in page and "<b>Q&A</b>" not in page and "&amp;lt;" not in page


def test_searchable_means_a_search_finds_it_at_once(app, client, api, make_workbook, run_jobs):
    if app.config.get("ELASTICSEARCH_URL"):
        with app.app_context():
            backend = search.backend()
            backend.indices.ensure_alias()
            # Refreshing rarely, as a busy cluster may: only a write that waits for the refresh is found at once.
            backend.client.indices.put_settings(index=backend.alias, settings={"refresh_interval": "60s"})
    # The plain worker run, without waiting out Elasticsearch's refresh: writes wait for it themselves.
    api.create_category("fresh")
    document_id = api.upload("fresh", ("a.xlsx", make_workbook({"S": [["samovar", 1]]}))).json["documents"][0]["id"]
    run_jobs.without_settling()
    assert api.document(document_id)["searchable"] is True
    assert [hit["filename"] for hit in _search(client, q="samovar")["hits"]] == ["a.xlsx"]


# The noida-db emulator analyses a file's text again at every search (40 MB takes it past the request timeout):
# the 30 MB file goes to Elasticsearch only when ELASTICSEARCH_URL names a real server.
LARGE_FILE_BACKENDS = ["postgres", *(["elasticsearch"] if os.environ.get("ELASTICSEARCH_URL") else [])]


@pytest.mark.slow
@pytest.mark.parametrize("app", LARGE_FILE_BACKENDS, indirect=True)
def test_the_last_row_of_a_30_mb_workbook_is_found(app, client, api, run_jobs):
    codes = random.Random(7)
    rows: list[list[object]] = [["opening kettle", 1]]
    # Product codes compress about as little as real ones do, so the file itself is ~30 MB.
    rows += [[f"code {codes.getrandbits(64):016x} lot {codes.getrandbits(40):010x}", i % 97] for i in range(1_000_000)]
    rows += [["closing teapot lot 7.64", 3]]
    data = xlsx_bytes({"Ledger": rows})
    assert len(data) > 28 * 10**6
    api.create_category("archive")
    api.upload("archive", ("huge.xlsx", data))
    run_jobs()
    hit = _hit(client, '"closing teapot"', "huge.xlsx")
    assert hit is not None and hit["locations"][0]["cell"] == f"Ledger!A{len(rows)}"
    assert any("<mark>closing teapot</mark>" in fragment for fragment in hit["highlights"])
    assert client.get("/api/regions", query_string={"term": "teapot"}).json["regions"] == ["Asia"]
