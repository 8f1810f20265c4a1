"""In a real browser: create a category, upload workbooks, watch them finish, retry a failure."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.browser.conftest import session_cookie
from tests.browser.files import chosen, damaged_workbook
from webapp.extensions import db

pytestmark = pytest.mark.browser


def test_create_category_upload_three_workbooks_and_watch_them_finish(page, worker, make_workbook, shot):
    page.goto("/")
    page.get_by_role("button", name="Create category").click()
    expect(page.locator("#name-error")).to_have_text("Name is required.")
    expect(page.get_by_role("textbox", name="Name")).to_be_focused()
    shot(page, "form-errors")

    page.get_by_role("textbox", name="Name").fill("asian_phones")
    page.get_by_role("textbox", name="Region").fill("Asia")
    page.get_by_role("textbox", name="Type").fill("phones")
    page.get_by_role("button", name="Create category").click()
    expect(page.locator(".flash-success")).to_have_text("Category “asian_phones” created.")
    expect(page).to_have_url(re.compile(r"/categories/asian_phones$"))

    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.locator("#chart-type")).to_contain_text("phones")
    expect(page.locator("#chart-type .bar-value")).to_have_text("0")
    watching = page.context.new_page()
    watching.goto("/")
    expect(watching.locator("#files-counted")).to_have_text("0")
    page.locator("#categories").get_by_role("link", name="asian_phones").first.click()
    # The scripts below must run in the category page, not in the dashboard the click is leaving.
    page.wait_for_url("**/categories/asian_phones")
    expect(page.locator("#uploads")).to_be_attached()

    page.evaluate("window.stillTheSamePage = true")
    # Note each bar's value when its upload is stored, before its card folds into the table.
    page.evaluate("""() => { window.storedAt = [];
      new MutationObserver(changes => changes.forEach(c => { const item = c.target;
        if (item.dataset.state === "sent") window.storedAt.push(item.querySelector("progress").value); }))
        .observe(document.getElementById("uploads"), {subtree: true, attributeFilter: ["data-state"]}); }""")
    page.locator("#file").set_input_files([
        chosen("cents.xlsx", make_workbook({"S": [[0.1, 0.2]]})),
        chosen("tens.xlsx", make_workbook({"S": [[10, 20]]})),
        chosen("notes.xlsx", make_workbook({"Prices": [["Item", "Price"], ["order 12 of 3.5 kg", 2.25]]})),
    ])
    # Once stored (the bar at 100%) and listed, each card folds into the table: one line says so.
    expect(page.locator("#uploads-folded")).to_have_text("✓ 3 uploaded files are in the list of files below.")
    expect(page.locator("#uploads .upload")).to_have_count(0)
    assert page.evaluate("window.storedAt") == [100, 100, 100]

    rows = page.locator("#documents tbody tr")
    expect(page.locator('#documents tr[data-status="done"]')).to_have_count(3)
    expect(rows.filter(has_text="cents.xlsx").locator(".sum")).to_have_text("0.3")
    expect(rows.filter(has_text="tens.xlsx").locator(".sum")).to_have_text("30")
    expect(rows.filter(has_text="notes.xlsx").locator(".sum")).to_have_text("17.75")
    expect(page.locator("#category-total")).to_have_text("48.05")
    expect(page.locator("#category-files")).to_have_text("3")
    assert page.evaluate("window.stillTheSamePage") is True, "the page reloaded"
    shot(page, "category-done")

    # A dashboard left open in another tab catches up by itself.
    expect(watching.locator("#files-counted")).to_have_text("3")
    expect(watching.locator("#chart-type .bar-value")).to_have_text("48.05")
    watching.close()

    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.locator("#chart-type .bar-value")).to_have_text("48.05")
    expect(page.locator("#chart-region")).to_contain_text("Asia")
    expect(page.locator("#grand-total")).to_have_text("48.05")
    expect(page.locator("#recent li")).to_have_count(3)
    shot(page, "dashboard")

    page.locator("#chart-type a").first.click()
    expect(page.locator(".chip")).to_contain_text("phones")
    expect(page.locator("#categories tbody tr")).to_have_count(1)


def test_each_refused_file_gets_its_own_message(page, worker, site, make_workbook, shot):
    site.create_category("eu_tabs", region="Europe", type="tablets")
    book = make_workbook({"S": [[5]]})
    page.goto("/categories/eu_tabs")
    page.locator("#file").set_input_files([
        chosen("notes.txt", bytes(range(256)), "application/octet-stream"),
        chosen("prices.xlsx", book),
    ])
    expect(page.locator("#uploads-folded")).to_have_text("✓ 1 uploaded file is in the list of files below.")
    page.locator("#file").set_input_files([chosen("prices-copy.xlsx", book)])

    def upload_of(name):
        exact_name = page.locator(".upload-name", has_text=re.compile(f"^{re.escape(name)}$"))
        return page.locator("#uploads .upload").filter(has=exact_name)

    refused_text = upload_of("notes.txt")
    expect(refused_text).to_have_attribute("data-state", "error")
    expect(refused_text.locator(".upload-message")).to_contain_text("“notes.txt” is not a workbook")
    duplicate = upload_of("prices-copy.xlsx")
    expect(duplicate.locator(".upload-message")).to_contain_text("already in “eu_tabs” as “prices.xlsx”")
    expect(upload_of("prices.xlsx")).to_have_count(0)  # stored, so folded into the table
    expect(page.locator('#documents tr[data-status="done"]')).to_have_count(1)
    expect(page.locator("#documents tbody tr")).to_have_count(1)
    expect(page.locator("#category-total")).to_have_text("5")
    shot(page, "refused")

    duplicate.get_by_role("button", name=re.compile("Dismiss")).click()
    expect(page.locator("#uploads .upload")).to_have_count(1)


def test_a_file_name_with_a_direction_override_shows_its_real_extension(page, worker, site, make_workbook, shot):
    site.create_category("names")
    page.goto("/categories/names")
    page.locator("#file").set_input_files([chosen("é😀\u202egnp.xlsx", make_workbook({"S": [[4]]}))])
    upload = page.locator("#uploads .upload")
    expect(upload.locator(".upload-name")).to_have_text("é😀gnp.xlsx")
    # The card folds into the table once the file is counted: read what it showed while it was there.
    card = [upload.locator(".upload-name").inner_text(), upload.locator("progress").get_attribute("aria-label") or ""]
    expect(page.locator('#documents tr[data-status="done"]')).to_have_count(1)
    expect(page.locator("#status-announcer")).to_have_text("é😀gnp.xlsx is done: 4")
    texts = [*card, page.locator("#documents").inner_text(), page.locator("#status-announcer").inner_text()]
    assert not any("\u202e" in text for text in texts), texts
    shot(page, "direction-override")


def test_failed_file_says_what_to_do_and_offers_retry_only_where_it_helps(page, worker, site, live_app, shot):
    site.create_category("broken_books")
    page.goto("/categories/broken_books")
    page.locator("#file").set_input_files([chosen("damaged.xlsx", damaged_workbook())])

    row = page.locator("#documents tbody tr").filter(has_text="damaged.xlsx")
    expect(row).to_have_attribute("data-status", "failed")
    expect(row.locator(".reason")).to_have_text(re.compile(r"damaged|(cannot|could not) be read", re.I))
    expect(page.locator("#category-total")).to_have_text("0")
    # A damaged file fails the same way again: no Retry, but its page says what helps.
    expect(row.get_by_role("button", name=re.compile("Retry"))).to_have_count(0)
    shot(page, "failed")
    row.get_by_role("link", name="damaged.xlsx").click()
    failure = page.locator("#failure")
    expect(failure).to_contain_text("The file itself could not be counted.")
    expect(failure).to_contain_text("Retrying would fail the same way")
    expect(failure.get_by_role("link", name="Upload a corrected file to “broken_books”")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Retry"))).to_have_count(0)
    expect(page.locator(".total-card")).to_contain_text("No total: this file could not be processed")
    shot(page, "failed-page")

    # Had its worker hit the time limit instead, a retry could help: then Retry is offered.
    with live_app.app_context():
        db.session.execute(text("UPDATE documents SET failure_kind = 'timeout'"))
        db.session.commit()
        db.session.remove()
    page.goto("/categories/broken_books")
    row.get_by_role("button", name="Retry damaged.xlsx").click()
    expect(page.locator(".flash-success")).to_have_text("“damaged.xlsx” is queued again.")
    expect(page).to_have_url(re.compile(r"/categories/broken_books$"))
    # Still damaged, so it fails again (as a file that will not read), and the page shows that without a reload.
    expect(row).to_have_attribute("data-status", "failed")
    expect(row.get_by_role("button", name=re.compile("Retry"))).to_have_count(0)


def test_plain_form_uploads_without_javascript(browser, live_app, live_server, admin, worker, site, make_workbook, shot):
    site.create_category("no_script")
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    context.add_cookies([session_cookie(live_app, live_server, admin)])
    try:
        tab = context.new_page()
        tab.goto("/categories/no_script")
        tab.get_by_label("Choose one or more workbooks").set_input_files([chosen("a.xlsx", make_workbook({"S": [[7]]}))])
        tab.get_by_role("button", name="Upload").click()
        expect(tab.locator(".flash-success")).to_contain_text("Uploaded “a.xlsx”")
        expect(tab.locator("#documents tbody tr").filter(has_text="a.xlsx")).to_have_count(1)
        shot(tab, "no-javascript")
    finally:
        context.close()


def test_deleting_a_file_asks_first_then_takes_its_sum_off_the_total(page, worker, site, make_workbook, shot):
    site.create_category("asian_phones")
    kept = site.upload("asian_phones", "kept.xlsx", make_workbook({"S": [[40]]}))
    gone = site.upload("asian_phones", "gone.xlsx", make_workbook({"S": [[2.5]]}))
    site.wait_until_settled(kept["id"], gone["id"])
    page.goto("/categories/asian_phones")
    expect(page.locator("#category-total")).to_have_text("42.5")

    gone_row = page.locator(f"#document-{gone['id']}")
    gone_row.get_by_label("More actions for gone.xlsx").click()
    gone_row.get_by_role("link", name="Delete…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete “gone.xlsx”?")
    expect(page.locator("#subtracted")).to_have_text("2.5")
    shot(page, "confirm")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("gone.xlsx")

    page.goto(f"/documents/{gone['id']}/delete")
    page.get_by_role("button", name="Delete the file").click()
    expect(page.locator(".flash-success")).to_contain_text("Deleted “gone.xlsx”; 2.5 was taken off")
    expect(page.locator("#category-total")).to_have_text("40")
    expect(page.locator("#documents tbody tr")).to_have_count(1)
