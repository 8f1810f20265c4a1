"""The System page in a real browser (CSRF and CSP on, a real worker): it shows the worker, lists a failed
file, and its buttons fix things; screenshots at phone and desktop width."""

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}


def _broken() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet")
    return buffer.getvalue()


def test_an_admin_reads_the_system_page_and_fixes_things_from_it(page, site, worker, make_workbook, shot):
    site.create_category("system_phones")
    good = site.upload("system_phones", "good.xlsx", make_workbook({"S": [[3]]}))
    broken = site.upload("system_phones", "broken.xlsx", _broken())
    site.wait_until_settled(good["id"], broken["id"])

    page.goto("/")
    page.get_by_role("link", name="System", exact=True).click()
    expect(page.get_by_role("heading", name="System", exact=True)).to_be_visible()
    expect(page.locator("#workers-alive")).to_have_text("1")  # the live refresh sees the worker register
    expect(page.locator("#documents-failed")).to_have_text("1")
    expect(page.locator("#newest-failed")).to_contain_text("broken.xlsx")
    expect(page.locator("#search-status")).to_have_text("ok")
    page.set_viewport_size(DESKTOP)
    shot(page, "desktop")
    page.set_viewport_size(PHONE)
    shot(page, "phone")
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name="Check totals now").click()
    expect(page.locator(".flash-success")).to_contain_text("total matches its documents")
    expect(page.locator("#totals-mismatches")).to_have_text("all match")

    page.get_by_role("button", name="Rebuild search index").click()
    expect(page.locator(".flash-success")).to_contain_text("rebuilt")
    expect(page.locator("#rebuild-progress")).to_contain_text(re.compile(r"finished,\s+1 of 1 files indexed"), timeout=30_000)

    page.get_by_role("button", name="Retry all failed").click()
    expect(page.locator(".flash-success")).to_contain_text("1 failed file(s) are queued again.")
    expect(page.locator("#documents-failed")).to_have_text("1", timeout=30_000)  # it fails again: still damaged
    shot(page, "after-actions")
