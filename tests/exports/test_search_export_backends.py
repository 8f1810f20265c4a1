"""The search export on both search backends: every hit, past the page size, equal to the JSON API's pages."""

import pytest

from tests.exports.reading import csv_rows, xlsx_sheets
from tests.fixtures_search import BACKENDS, on_each_backend, settle
from webapp.services.answers import finder


@pytest.fixture(params=BACKENDS)
def app(request, app):
    """The app under test, once per search backend (as tests/search/test_contract.py does)."""
    yield from on_each_backend(request, app)


def test_every_hit_is_exported_on_either_backend(app, client, api, run_jobs, make_workbook, monkeypatch):
    api.create_category("asian_phones")
    for number in range(5):
        api.upload("asian_phones", (f"file-{number}.xlsx", make_workbook({"Stock": [["widget", number], ["red widget"]]})))
    run_jobs()
    settle(app)
    monkeypatch.setattr(finder, "EXPORT_PAGE", 2)
    api_files = {h["filename"] for h in client.get("/api/search?q=widget").json["hits"]}
    assert len(api_files) == 5
    sheet = xlsx_sheets(client.get("/api/search/export.xlsx?q=widget"))["Search"]
    assert {row[0] for row in sheet[1:]} == api_files and len(sheet) == 1 + 5 * 2
    assert {tuple(row[4:]) for row in sheet[1:]} == {("Stock!A1", "widget"), ("Stock!A2", "red widget")}
    assert {row[0] for row in csv_rows(client.get("/api/search/export.csv?q=widget"))[1:]} == api_files
