"""In a real browser at 390 px and 1366 px: 30-digit totals and 64-character names keep every page readable.

No element sticks out past the screen (tables and sheet previews scroll inside their own box), every total
is fully visible, grouped, and never broken inside a digit group, and names do not wrap letter by letter.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.fixtures_accounts import make_user

pytestmark = pytest.mark.browser

# 64 characters each, without a space to wrap at.
CATEGORY = "asian_phones_and_tablets_sold_through_resellers_2024_q1_q2_q3_q4"
REGION = "South-East_Asia_and_Oceania_including_the_Pacific_island_nations"
TYPE = "phones_tablets_wearables_accessories_chargers_and_replacement_pa"
USERNAME = "maria.gonzalez-fernandez.from.the.regional.office.in.singapore.x"
FILENAME = "quarterly_sales_export_with_every_reseller_and_every_barcode.xlsx"
# 30 digits in one cell (the most a number may have), plus a fraction: the total has 30 integer digits.
BIG = "123456789012345678901234567890"
TOTAL = "123456789012347128758828658794.17"  # BIG + 1449857594090904.17, exactly
GROUPED = "123,456,789,012,347,128,758,828,658,794.17"

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}

# Judge the page as a person sees it: what sticks out, which totals are cut off, split or squeezed.
_MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = e => { const s = getComputedStyle(e); return s.overflowX !== "visible" && e !== document.body
                                                                 && e !== document.documentElement; };
  const inScrollBox = e => { for (let p = e.parentElement; p; p = p.parentElement) if (scrolls(p)) return true; return false; };
  const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
  const label = e => `${e.tagName.toLowerCase()}.${e.className.baseVal ?? e.className}#${e.id}`;
  const wide = Array.from(document.querySelectorAll("body *"))
    .filter(e => shown(e) && !inScrollBox(e) && e.getBoundingClientRect().right > width + 1).map(label);
  const totals = Array.from(document.querySelectorAll("[data-exact]")).filter(shown).map(e => {
    const box = e.getBoundingClientRect();
    let clipped = box.left < -1 || box.right > width + 1;
    for (let p = e.parentElement; p; p = p.parentElement) {
      if (!scrolls(p)) continue;
      const outer = p.getBoundingClientRect();
      if (box.left < outer.left - 1 || box.right > outer.right + 1) clipped = true;
    }
    // Each digit group is a text node between <wbr>s: it must sit on one line.
    const split = Array.from(e.childNodes).filter(n => n.nodeType === 3 && n.textContent.length > 1).some(n => {
      const range = document.createRange(); range.selectNodeContents(n);
      return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size > 1;
    });
    return {text: e.textContent, exact: e.dataset.exact, clipped, split, where: label(e)};
  });
  const names = Array.from(document.querySelectorAll("a, h1, th, .bar-label, .tag"))
    .filter(e => shown(e) && e.textContent.trim().length >= 60 && !e.closest("nav.crumbs"))
    .map(e => ({where: label(e), width: e.getBoundingClientRect().width}));
  // The app's own tables fit the screen (a sheet's preview scrolls by design: it is a grid of cells).
  const scrolling = Array.from(document.querySelectorAll(".table-wrap")).filter(w => shown(w) && !w.closest("#breakdown, #preview")
    && w.scrollWidth > w.clientWidth + 1).map(w => w.querySelector("table")?.id);
  return {overflow: document.documentElement.scrollWidth - width, wide: wide.slice(0, 8), totals, names, scrolling};
}"""


@pytest.fixture
def long_data(page, worker, site, make_workbook, live_app):
    """A category, a region, a type, a file and a user with 64-character names, and a 30-digit total."""
    site.create_category(CATEGORY, region=REGION, type=TYPE)
    site.create_category("eu_phones", region="Europe", type="phones")
    workbook = make_workbook({"Sales": [["Barcode total", BIG], ["Reseller", "1449857594090904.17"], ["charger", 0]]})
    big = site.upload(CATEGORY, FILENAME, workbook)
    small = site.upload("eu_phones", "small.xlsx", make_workbook({"S": [["charger", 2.5]]}))
    settled = site.wait_until_settled(big["id"], small["id"])
    assert [d["status"] for d in settled] == ["done", "done"], settled
    assert settled[0]["total"] == TOTAL  # the API keeps the plain string
    make_user(live_app, "viewer", regions=[REGION], username=USERNAME)
    return big


def _pages(document_url: str) -> list[tuple[str, str]]:
    return [
        ("/", "dashboard"), (f"/categories/{CATEGORY}", "category"), (document_url, "document"),
        ("/search?q=charger", "search"), ("/regions?term=charger", "regions"), ("/users", "users"),
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_stays_readable_with_long_totals_and_names(page, long_data, shot, width):
    page.set_viewport_size(WIDTHS[width])
    problems: list[str] = []
    for path, name in _pages(long_data["url"]):
        page.goto(path)
        expect(page.locator("main")).to_be_visible()
        for details in page.locator("details.numbers").all():  # the dashboard's tables of numbers too
            details.locator("summary").click()
        seen = page.evaluate(_MEASURE)
        shot(page, f"{width}-{name}")
        if seen["overflow"] > 0 or seen["wide"]:
            problems.append(f"{name}: wider than the screen by {seen['overflow']}px: {seen['wide']}")
        for total in seen["totals"]:
            if total["clipped"] or total["split"]:
                problems.append(f"{name}: a total cut off or broken inside a digit group: {total}")
            if total["exact"] == TOTAL and total["text"] != GROUPED:
                problems.append(f"{name}: the total is not shown grouped: {total}")
        problems += [f"{name}: a name squeezed letter by letter: {n}" for n in seen["names"] if n["width"] < 150]
        problems += [f"{name}: table #{table} is wider than its card" for table in seen["scrolling"]]
    assert not problems, f"at {width}:\n" + "\n".join(problems)
    page.goto("/")
    assert page.locator('#grand-total[data-exact="123456789012347128758828658796.67"]').count() == 1


def test_the_copy_button_copies_the_plain_exact_total(page, long_data, live_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.goto(f"/categories/{CATEGORY}")
    expect(page.locator("#category-total")).to_have_text(GROUPED)
    expect(page.locator("#category-total")).to_have_attribute("title", f"Exact value: {TOTAL}")
    page.get_by_role("button", name="Copy the category total exactly").click()
    expect(page.get_by_role("button", name="Copy the category total exactly")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == TOTAL


def test_the_api_reference_fits_a_phone(page, shot):
    page.set_viewport_size(WIDTHS["phone"])
    page.goto("/docs")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    expect(page.locator(".docs-phone-note")).to_be_visible()
    page.locator(".opblock-summary", has_text="/api/categories").first.click()  # one operation opened
    expect(page.locator(".opblock-body").first).to_be_visible()
    shot(page, "docs")
    page.screenshot(path=str(ARTIFACTS / "test_the_api_reference_fits_a_phone-docs-in-view.png"))
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"/docs is {overflow}px wider than a phone screen"


def test_a_total_arriving_while_the_page_is_open_is_grouped_the_same_way(page, worker, site, make_workbook):
    site.create_category("live_totals")
    page.goto("/categories/live_totals")
    expect(page.locator("#category-total")).to_have_text("0")
    site.upload("live_totals", "big.xlsx", make_workbook({"S": [[BIG], ["1449857594090904.17"], ["-0.5"]]}))
    # Written in the browser from the API's plain string (enhance.js), exactly as the server writes it.
    expect(page.locator("#category-total")).to_have_text("123,456,789,012,347,128,758,828,658,793.67")
    expect(page.locator("#category-total")).to_have_attribute("data-exact", "123456789012347128758828658793.67")
    expect(page.locator(".big-total .copy")).to_have_attribute(
        "data-copy", "123456789012347128758828658793.67")
    assert page.locator("#category-total wbr").count() == 9  # a break allowed after each of the 9 commas
