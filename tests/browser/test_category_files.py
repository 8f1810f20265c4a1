"""In a real browser: a category of 150 files is sorted, filtered and paged; leaving mid-upload asks first."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.browser.conftest import ARTIFACTS
from tests.browser.files import chosen
from webapp.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def many_files(site, live_app):
    """150 files: file-000 … file-149, every fifth one failed, the done ones with totals n × 1000.5."""
    site.create_category("big_category")
    with live_app.app_context():
        db.session.execute(text("""
            INSERT INTO documents (category_id, filename, sha256, size, status, total, counted_total, counted_at,
                                   error, failure_kind, indexed_at, created_at)
            SELECT c.id, 'file-' || lpad(n::text, 3, '0') || '.xlsx', lpad(n::text, 64, '0'), 100,
                   CASE WHEN n % 5 = 2 THEN 'failed' ELSE 'done' END,
                   CASE WHEN n % 5 <> 2 THEN n * 1000.5 END, CASE WHEN n % 5 <> 2 THEN n * 1000.5 END,
                   CASE WHEN n % 5 <> 2 THEN now() END,
                   CASE WHEN n % 5 = 2 THEN 'This file could not be read as a workbook: it may be damaged.' END,
                   CASE WHEN n % 5 = 2 THEN 'file' END, now(),
                   timestamp '2024-01-01' + n * interval '1 day'
              FROM categories c, generate_series(0, 149) n
        """))
        db.session.commit()
        db.session.remove()


def _names(page) -> list[str]:
    return page.locator("#documents tbody th").all_inner_texts()


@pytest.mark.parametrize("width", [1366, 390])
def test_sorting_filtering_and_paging_150_files(page, many_files, shot, width, request):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/categories/big_category")
    expect(page.locator("#files-shown")).to_have_text("1–50 of 150 files, by uploaded (newest first)")
    assert _names(page)[:2] == ["file-149.xlsx", "file-148.xlsx"]
    shot(page, "newest-first")

    if width > 640:  # the column headers sort; on a phone they are folded away and the form sorts
        page.locator("#documents thead").get_by_role("link", name="Sum").click()
    else:
        page.get_by_text("Filter and sort").click()
        page.get_by_label("Sort by").select_option("total")
        page.get_by_label("Order").select_option("desc")
        page.get_by_role("button", name="Show files").click()
    expect(page.locator("#documents tbody th").first).to_have_text("file-149.xlsx")
    expect(page.locator("#documents tbody tr").first.locator(".sum")).to_have_text("149,074.5")

    page.get_by_role("navigation", name="Pages of files").get_by_role("link", name="Page 3").click()
    expect(page.locator("#files-shown")).to_have_text("101–150 of 150 files, by sum")
    # The smallest sum ends the counted files; the 30 failed files, without a sum, come last.
    expect(page.locator("#documents tbody th").nth(19)).to_have_text("file-000.xlsx")
    expect(page.locator('#documents tbody tr[data-status="failed"]')).to_have_count(30)

    page.goto("/categories/big_category")
    page.get_by_text("Filter and sort").click()
    page.get_by_label("Status").select_option("failed")
    page.get_by_label("Name contains").fill("file-1")
    page.get_by_role("button", name="Show files").click()
    expect(page.locator("#files-shown")).to_have_text("10 files matching, by uploaded (newest first)")
    expect(page.locator('#documents tr[data-status="failed"]')).to_have_count(10)
    expect(page.get_by_role("button", name=re.compile("Retry"))).to_have_count(0)
    page.locator("#files-heading").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-filtered-in-view.png"))

    page.get_by_role("link", name="Clear filters").click()
    first = page.locator("#documents tbody tr").first
    first.get_by_label("More actions for file-149.xlsx").click()
    expect(first.get_by_role("button", name="Reprocess")).to_be_visible()
    shot(page, "menu-open")
    first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-menu-in-view.png"))  # the part a person sees
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def test_leaving_mid_upload_asks_first(page, site, make_workbook):
    site.create_category("slow_uploads")
    page.route("**/categories/slow_uploads/upload", lambda route: None)  # never answers: stays mid-upload
    page.goto("/categories/slow_uploads")
    page.locator("#dropzone").click(position={"x": 5, "y": 5})  # a user gesture, which the warning needs
    page.keyboard.press("Escape")
    page.locator("#file").set_input_files([chosen("a.xlsx", make_workbook({"S": [[1]]}))])
    expect(page.locator("#uploads .upload")).to_have_attribute("data-state", "uploading")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
