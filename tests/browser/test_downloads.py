"""In a real browser: each table's Download menu opens, downloads .xlsx and .csv, and fits a phone."""

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PAGES = [("dashboard", "/", "these totals", "totals"), ("category", "/categories/asian_phones", "this category's files",
         "files-asian_phones"), ("search", "/search?q=widget", "every hit of this search", "search-widget"),
         ("history", "/categories/asian_phones/history", "every change of this category's total", "history-asian_phones")]


@pytest.fixture
def library(api, run_jobs, make_workbook):
    api.create_category("asian_phones", region="Asia", type="phones")
    for number, value in enumerate([0.1, 46.2, "12345678901234567.25"]):
        workbook = make_workbook({"Stock": [["widget", value], ["café crème"]]})
        assert api.upload("asian_phones", (f"part-{number}.xlsx", workbook)).status_code == 202
    run_jobs()


def _menu(page, what: str):
    """Return the page's Download menu, opened."""
    menu = page.locator("details.download-menu").filter(has=page.get_by_label(f"Download {what}"))
    if menu.get_attribute("open") is None:
        page.get_by_label(f"Download {what}").click()
    expect(menu).to_have_attribute("open", "")
    return menu


def _download(page, what: str, label: str):
    menu = _menu(page, what)
    with page.expect_download() as info:
        menu.get_by_role("link", name=label).click()
    download = info.value
    return download.suggested_filename, open(download.path(), "rb").read()


def test_every_menu_downloads_both_formats_with_the_page_s_numbers(page, library, shot):
    today = datetime.now(UTC).date().isoformat()
    page.set_viewport_size({"width": 1366, "height": 900})
    for name, url, what, stem in PAGES:
        page.goto(url)
        filename, body = _download(page, what, "Excel workbook (.xlsx)")
        assert filename == f"{stem}-{today}.xlsx"
        workbook = openpyxl.load_workbook(io.BytesIO(body))
        shot(page, f"{name}-menu-1366")
        filename, body = _download(page, what, "CSV, UTF-8 (.csv)")
        assert filename == f"{stem}-{today}.csv" and body.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(body[3:].decode(), newline="")))
        if name == "dashboard":
            assert workbook.sheetnames == ["Categories", "Totals by type", "Totals by region"]
            assert rows[1][0] == "asian_phones" and rows[-1] == ["Total", "", "", "3", "0", "12345678901234613.55"]
            # The page writes it grouped for people and keeps the exact value to copy.
            expect(page.locator("#grand-total")).to_have_attribute("data-exact", "12345678901234613.55")
        if name == "history":
            assert [row[3] for row in rows[1:]] == ["12345678901234567.25", "46.2", "0.1"]
            assert [c.value for c in next(workbook["History"].iter_cols(min_col=4, min_row=2))] == [
                "12345678901234567.25", 46.2, 0.1]
            # The tab writes totals grouped for people (12,345,…): the same digits.
            assert page.locator("#changes .total").first.inner_text().replace(",", "") == rows[1][4]
        if name == "search":
            assert {row[4] for row in rows[1:]} == {"Stock!A1"} and len(rows) == 4


def test_the_menus_fit_a_phone(page, library, shot):
    page.set_viewport_size({"width": 390, "height": 844})
    for name, url, what, _ in PAGES:
        page.goto(url)
        menu = _menu(page, what)
        expect(menu.get_by_role("link", name="CSV, UTF-8 (.csv)")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{name} is wider than the phone"
        box = menu.get_by_role("link", name="Excel workbook (.xlsx)").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"{name}: the menu leaves the screen"
        shot(page, f"{name}-menu-390")
