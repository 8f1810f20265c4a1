"""A search as a download: every hit up to the search's cap (not only the page shown), one row per cell location."""

from markupsafe import Markup

from tests.exports.reading import as_dicts, csv_rows, xlsx_cells, xlsx_sheets
from webapp.services.answers import finder

HOSTILE_CELLS = ['=HYPERLINK("http://x") widget', "@SUM(1) widget", "-2+3 widget", "+1 widget"]


def _api_rows(client, query: str) -> list[tuple]:
    """Read every page of /api/search and flatten it the way the export does: one row per location."""
    rows, page = [], 1
    while True:
        answer = client.get("/api/search", query_string={**query, "page": page}).json
        for hit in answer["hits"]:
            start = (hit["filename"], hit["category"], hit["region"], hit["type"])
            for location in hit["locations"]:
                text = Markup(location["text"].replace("<mark>", "").replace("</mark>", "")).unescape()
                # Both fields are escaped HTML in the JSON (a sheet named `Q1 Sales` is `&#39;Q1 Sales&#39;!B1`).
                rows.append((*start, Markup(location["cell"]).unescape(), text))
        if not answer["hits"]:
            return rows
        page += 1


def _library(api, run_jobs, make_workbook, files: int = 3):
    api.create_category("asian_phones", region="Asia", type="phones")
    api.create_category("eu_phones", region="Europe", type="phones")
    for i in range(files):
        category = "asian_phones" if i % 2 == 0 else "eu_phones"
        rows = [["widget", i], ["nothing here"], [HOSTILE_CELLS[i % len(HOSTILE_CELLS)]], ["café <b>&amp;</b> widget"]]
        workbook = make_workbook({"Stock": rows, "Q1 Sales": [["x", "widget"]]})
        assert api.upload(category, (f"file-{i}.xlsx", workbook)).status_code == 202
    run_jobs()


def test_every_hit_on_every_page_is_exported_with_its_cell_locations(client, api, app, run_jobs, make_workbook):
    app.config["SEARCH_PAGE_SIZE"] = 2  # three pages of hits in the JSON API; the export has them all
    try:
        _library(api, run_jobs, make_workbook, files=5)
        expected = _api_rows(client, {"q": "widget"})
    finally:
        app.config["SEARCH_PAGE_SIZE"] = 20
    assert len({row[0] for row in expected}) == 5 and len(expected) == 5 * 3
    sheet = xlsx_sheets(client.get("/api/search/export.xlsx?q=widget"))["Search"]
    assert sheet[0] == ["File", "Category", "Region", "Type", "Cell", "Text"]
    assert [tuple(row) for row in sheet[1:]] == expected
    # `page` is ignored: every hit is in the download. In CSV, text that starts like a formula gets a `'`.
    csv_expected = [tuple("'" + v if v.startswith(("=", "+", "-", "@")) else v for v in row) for row in expected]
    assert [tuple(row) for row in csv_rows(client.get("/api/search/export.csv?q=widget&page=3"))[1:]] == csv_expected
    assert ("file-0.xlsx", "asian_phones", "Asia", "phones", "'Q1 Sales'!B1", "widget") in expected
    assert any(row[5] == "café <b>&amp;</b> widget" for row in expected)


def test_cell_texts_that_look_like_formulas_never_run(client, api, run_jobs, make_workbook):
    api.create_category("asian_phones")
    # A CSV keeps `=…` as the text it is (openpyxl would make it a formula in a workbook).
    for n in (0, 2):  # two files: a hit lists its first three cells
        lines = "\r\n".join('"' + text.replace('"', '""') + '",1' for text in HOSTILE_CELLS[n:n + 2])
        assert api.upload("asian_phones", (f"hostile-{n}.csv", lines.encode())).status_code == 202
    run_jobs()
    cells = [row[5] for row in xlsx_cells(client.get("/api/search/export.xlsx?q=widget"))["Search"][1:]]
    hostile = [c for c in cells if c.value in HOSTILE_CELLS]
    assert len(hostile) == 4, [c.value for c in cells]
    assert all(c.data_type == "s" for c in hostile)
    texts = {row[5] for row in csv_rows(client.get("/api/search/export.csv?q=widget"))}
    assert {"'" + text for text in HOSTILE_CELLS} <= texts and not set(HOSTILE_CELLS) & texts


def test_filters_and_region_scope_limit_the_export(client, login_as, api, run_jobs, make_workbook):
    _library(api, run_jobs, make_workbook, files=4)
    europe_only = as_dicts(csv_rows(client.get("/api/search/export.csv?q=widget&region=europe")))
    assert {r["Region"] for r in europe_only} == {"Europe"} and {r["File"] for r in europe_only} == {"file-1.xlsx", "file-3.xlsx"}
    asia = login_as("viewer", ["Asia"])
    rows = as_dicts(xlsx_sheets(asia.get("/api/search/export.xlsx?q=widget"))["Search"])
    assert {r["Region"] for r in rows} == {"Asia"} and {r["File"] for r in rows} == {"file-0.xlsx", "file-2.xlsx"}
    assert csv_rows(asia.get("/api/search/export.csv?q=widget&region=Europe")) == [
        ["File", "Category", "Region", "Type", "Cell", "Text"]]


def test_a_blank_search_is_400_json_and_no_file(client):
    for url in ("/api/search/export.csv?q=%20", "/api/search/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 400 and "word" in response.json["error"]


def test_the_export_stops_at_the_search_cap(client, api, run_jobs, make_workbook, monkeypatch):
    _library(api, run_jobs, make_workbook, files=5)
    monkeypatch.setattr(finder, "MAX_EXPORT_HITS", 4)
    monkeypatch.setattr(finder, "EXPORT_PAGE", 2)
    rows = csv_rows(client.get("/api/search/export.csv?q=widget"))[1:]
    assert len({row[0] for row in rows}) == 4
