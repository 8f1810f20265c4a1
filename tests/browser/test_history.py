"""In a real browser: a category's History tab shows how its total grew, and the date picker reads a past total."""

import time
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}


def test_the_history_tab_and_total_on_a_date(page, site, worker, make_workbook, shot):
    site.create_category("history_phones")
    first = site.upload("history_phones", "first.xlsx", make_workbook({"S": [[10]]}))
    site.wait_until_settled(first["id"])
    time.sleep(1.1)  # the picker reads whole seconds: let the second file land a second later
    between = datetime.now(UTC).replace(microsecond=0)
    time.sleep(1.1)
    second = site.upload("history_phones", "second.xlsx", make_workbook({"S": [[2.5]]}))
    site.wait_until_settled(second["id"])

    page.goto("/categories/history_phones")
    page.get_by_role("link", name="History", exact=True).click()
    expect(page.get_by_role("link", name="History", exact=True)).to_have_attribute("aria-current", "page")
    rows = page.locator("#changes tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("second.xlsx")
    expect(rows.nth(0).locator(".amount")).to_have_text("+2.5")
    expect(rows.nth(0).locator(".total")).to_have_text("12.5")
    expect(rows.nth(1)).to_contain_text("counted")
    expect(page.locator("#history-chart path.step")).to_have_count(1)
    page.get_by_text("The chart as a table").click()
    expect(page.locator("#history-points tbody tr")).to_have_count(2)
    shot(page, "history-desktop")

    page.get_by_label("Date and time (UTC)").fill(between.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Show the total then").click()
    expect(page.locator("#as-of-total")).to_have_text("10")
    expect(page.locator("#as-of-answer")).to_contain_text("from 1 file.")

    page.set_viewport_size(PHONE)
    chart = page.locator("#history-chart").bounding_box()
    assert chart["width"] <= PHONE["width"] and chart["height"] > 100, chart
    shot(page, "history-phone")
    page.set_viewport_size(DESKTOP)

    page.goto("/")
    page.get_by_label("Date and time (UTC)").fill(between.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Show the totals then").click()
    expect(page.locator("#as-of-type")).to_contain_text("10")
    shot(page, "dashboard-as-of")

    page.goto(f"/documents/{second['id']}")
    expect(page.locator("#document-changes")).to_contain_text("Counted on")


def test_an_admin_finds_who_deleted_a_file_on_the_audit_page(page, site, worker, make_workbook, shot, admin):
    site.create_category("audited")
    document = site.upload("audited", "gone.xlsx", make_workbook({"S": [[4]]}))
    site.wait_until_settled(document["id"])
    page.goto(f"/documents/{document['id']}/delete")
    page.get_by_role("button", name="Delete the file").click()
    expect(page.locator(".flash-success")).to_contain_text("gone.xlsx")

    page.get_by_role("link", name="Audit").click()
    page.get_by_label("What").select_option("file_deleted")
    page.get_by_label("Object contains").fill("gone.xlsx")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#audit-events tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(admin.username)
    expect(rows.first).to_contain_text("subtracted: 4")
    shot(page, "audit-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "audit-phone")
