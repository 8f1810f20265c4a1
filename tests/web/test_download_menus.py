"""Each table's Download menu offers .xlsx and .csv, linking to the API export of exactly what the page shows."""

import html
import re

from tests.exports.reading import csv_rows, xlsx_sheets


def _menu_links(page: str) -> list[str]:
    menu = re.search(r'<details class="download-menu">(.*?)</details>', page, re.S)
    assert menu, "no Download menu"
    return [html.unescape(href) for href in re.findall(r'href="([^"]+)"', menu.group(1))]


def _library(api, run_jobs, make_workbook):
    api.create_category("asian_phones", region="Asia", type="phones")
    api.create_category("eu_tablets", region="Europe", type="tablets")
    api.upload("asian_phones", ("a.xlsx", make_workbook({"S": [["widget", 46.3]]})))
    api.upload("eu_tablets", ("b.xlsx", make_workbook({"S": [["widget", 0.1]]})))
    run_jobs()


def test_the_dashboard_menu_downloads_the_filtered_totals(client, api, run_jobs, make_workbook):
    _library(api, run_jobs, make_workbook)
    links = _menu_links(client.get("/?type=phones").get_data(as_text=True))
    assert links == ["/api/export/totals.xlsx?type=phones", "/api/export/totals.csv?type=phones"]
    assert [r[0] for r in xlsx_sheets(client.get(links[0]))["Categories"][1:]] == ["asian_phones", "Total"]
    assert _menu_links(client.get("/").get_data(as_text=True))[1] == "/api/export/totals.csv"


def test_the_category_menu_downloads_its_files(client, api, run_jobs, make_workbook):
    _library(api, run_jobs, make_workbook)
    links = _menu_links(client.get("/categories/asian_phones").get_data(as_text=True))
    assert links == ["/api/categories/asian_phones/files.xlsx", "/api/categories/asian_phones/files.csv"]
    assert [r[0] for r in csv_rows(client.get(links[1]))[1:]] == ["a.xlsx", "Total"]


def test_the_history_tab_menu_downloads_every_change(client, api, run_jobs, make_workbook):
    _library(api, run_jobs, make_workbook)
    links = _menu_links(client.get("/categories/asian_phones/history").get_data(as_text=True))
    assert links == ["/api/categories/asian_phones/history.xlsx", "/api/categories/asian_phones/history.csv"]
    assert [r[1:4] for r in csv_rows(client.get(links[1]))[1:]] == [["counted", "a.xlsx", "46.3"]]
    api.create_category("empty")
    assert "download-menu" not in client.get("/categories/empty/history").get_data(as_text=True)


def test_the_search_menu_downloads_every_hit_with_the_same_filters(client, api, run_jobs, make_workbook):
    _library(api, run_jobs, make_workbook)
    links = _menu_links(client.get("/search?q=widget&region=Europe&page=1").get_data(as_text=True))
    assert links == ["/api/search/export.xlsx?q=widget&region=Europe", "/api/search/export.csv?q=widget&region=Europe"]
    assert [r[0] for r in csv_rows(client.get(links[1]))[1:]] == ["b.xlsx"]
    assert "download-menu" not in client.get("/search?q=nothingmatches").get_data(as_text=True)


def test_a_viewer_limited_to_a_region_gets_a_menu_that_downloads_only_that_region(login_as, api, run_jobs, make_workbook):
    _library(api, run_jobs, make_workbook)
    asia = login_as("viewer", ["Asia"])
    links = _menu_links(asia.get("/").get_data(as_text=True))
    body = asia.get(links[1]).get_data(as_text=True)
    assert "asian_phones" in body and "eu_tablets" not in body
