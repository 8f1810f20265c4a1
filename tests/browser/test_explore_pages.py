"""In a real browser: search with highlights, filters and the regions panel; a file's page; phone width and keyboard."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def library(site, make_workbook):
    """Two Asian files and one European file mention chargers; one file does not."""
    site.create_category("asian_phones", region="Asia", type="phones")
    site.create_category("eu_phones", region="Europe", type="phones")
    docs = [
        site.upload("asian_phones", "galaxy.xlsx", make_workbook({"Stock": [["Galaxy charger", 12], ["cable", 3]]})),
        site.upload("asian_phones", "redmi.xlsx", make_workbook({"Stock": [["Redmi", "fast charger", 4]]})),
        site.upload("eu_phones", "pixel.xlsx", make_workbook({"Stock": [["Pixel", "charger 30W", 2]]})),
        site.upload("eu_phones", "plain.xlsx", make_workbook({"Stock": [["Pixel case", 1]]})),
    ]
    settled = site.wait_until_settled(*(d["id"] for d in docs))
    assert [d["status"] for d in settled] == ["done"] * 4, settled
    return settled


def test_search_marks_the_word_filters_with_chips_and_counts_regions(page, worker, library, shot):
    page.goto("/")
    page.get_by_role("searchbox", name="Search inside workbooks").fill("charger")
    page.keyboard.press("Enter")

    expect(page.locator("#result-count")).to_contain_text("3 files contain “charger”")
    expect(page.locator(".hit")).to_have_count(3)
    expect(page.locator(".hit mark").first).to_have_text(re.compile("^charger$", re.I))
    expect(page.locator(".hit", has_text="galaxy.xlsx")).to_contain_text("asian_phones")

    panel = page.locator("#regions-panel")
    expect(panel).to_have_attribute("open", "")  # open from the start
    # One search box on the search page: its own form, with the filters.
    expect(page.get_by_role("searchbox")).to_have_count(1)
    counts = panel.locator(".region-counts li")
    expect(counts).to_have_text([re.compile(r"Asia\s+2 files"), re.compile(r"Europe\s+1 file")])
    shot(page, "results")

    counts.get_by_role("link", name="Asia").click()
    expect(page.locator(".chip")).to_have_text(re.compile(r"Region:\s*Asia"))
    expect(page.locator(".hit")).to_have_count(2)
    page.locator(".chip").click()
    expect(page.locator(".chip")).to_have_count(0)
    expect(page.locator(".hit")).to_have_count(3)

    page.get_by_role("searchbox", name="Words").fill("unicorn")
    page.keyboard.press("Enter")
    expect(page.locator("#no-results")).to_contain_text("Nothing matched “unicorn”")
    expect(page.locator("#no-results")).to_contain_text("Check the spelling")
    shot(page, "no-results")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Regions").click()
    page.get_by_label("Word or phrase").fill("charger")
    page.get_by_role("button", name="Find regions").click()
    expect(page.locator("#regions li")).to_have_text([re.compile(r"Asia\s+2 files"), re.compile(r"Europe\s+1 file")])
    shot(page, "regions-page")


def test_document_page_shows_facts_breakdown_preview_and_downloads_the_original(page, worker, site, make_workbook, shot):
    site.create_category("asian_phones")
    content = make_workbook({"Prices": [["Item", "Price"], ["Galaxy", 199.5], ["Pixel", 0.5]], "Notes": [["order 12 of 3.5 kg"]]})
    uploaded = site.upload("asian_phones", "prices.xlsx", content)
    assert site.wait_until_settled(uploaded["id"])[0]["status"] == "done"

    page.goto(uploaded["url"])
    expect(page.get_by_role("heading", level=1)).to_have_text("prices.xlsx")
    expect(page.locator("#document-status")).to_have_text("done")
    expect(page.locator("#document-total")).to_have_text("215.5")
    expect(page.locator("dl.facts")).to_contain_text("asian_phones")
    page.get_by_role("link", name="Explain this total").click()
    expect(page.locator("#breakdown")).to_be_visible()
    expect(page.locator("#breakdown")).to_contain_text("Prices")

    preview = page.locator("#preview")
    expect(preview.locator(".sheet-name")).to_have_text(["Prices", "Notes"])
    first_sheet = preview.locator("table").first
    expect(first_sheet.locator("thead th")).to_have_text(["A", "B"])
    expect(first_sheet.locator("tbody tr").nth(1)).to_have_text(re.compile(r"2\s*Galaxy\s*199\.5"))
    shot(page, "document")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the original file").click()
    assert download.value.suggested_filename == "prices.xlsx"
    assert open(download.value.path(), "rb").read() == content


def test_pages_fit_a_phone_and_work_with_the_keyboard(page, worker, site, make_workbook, shot):
    site.create_category("asian_phones_with_a_rather_long_name", region="South-East Asia", type="phones")
    uploaded = site.upload("asian_phones_with_a_rather_long_name", "a-long-file-name-for-a-small-screen.xlsx",
                           make_workbook({"S": [[123456789.125, "charger"]]}))
    site.wait_until_settled(uploaded["id"])
    page.set_viewport_size({"width": 390, "height": 844})

    for path, step in [("/", "phone-dashboard"), ("/categories/asian_phones_with_a_rather_long_name", "phone-category"),
                       ("/search?q=charger", "phone-search"), (uploaded["url"], "phone-document")]:
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a phone screen: {_too_wide(page)}"
        shot(page, step)

    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('main') !== null")
    assert focused, "after skipping, the next Tab should land inside the page content"
    page.get_by_role("searchbox", name="Search inside workbooks").focus()
    page.keyboard.type("charger")
    page.keyboard.press("Enter")
    expect(page.locator(".hit")).to_have_count(1)


def _too_wide(page) -> list[str]:
    """Name the elements that stick out past the right edge of the screen."""
    return page.evaluate("""() => {
        const edge = document.documentElement.clientWidth + 1;
        return Array.from(document.querySelectorAll("body *"))
            .filter(e => e.getBoundingClientRect().right > edge && !e.closest(".table-wrap"))
            .slice(0, 6)
            .map(e => `${e.tagName.toLowerCase()}.${e.className.baseVal ?? e.className}#${e.id}`);
    }""")


def test_search_results_come_in_pages(page, api, run_jobs, make_workbook, shot):
    api.create_category("stock", region="Asia", type="parts")
    for number in range(21):
        assert api.upload("stock", (f"part-{number}.xlsx", make_workbook({"S": [["widget", number]]}))).status_code == 202
    run_jobs()

    page.goto("/search?q=widget")
    expect(page.locator("#result-count")).to_contain_text("21 files contain “widget” · page 1 of 2")
    expect(page.locator(".hit")).to_have_count(20)
    pager = page.get_by_role("navigation", name="Result pages")
    expect(pager.locator("[aria-current=page]")).to_have_text("1")
    pager.get_by_role("link", name="Next ›").click()
    expect(page.locator(".hit")).to_have_count(1)
    expect(pager.locator("[aria-current=page]")).to_have_text("2")
    shot(page, "page-2")
