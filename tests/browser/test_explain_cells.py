"""In a real browser: a cell listed under "Explain this total" links to that cell, highlighted in the preview."""

import re

import pytest

from tests.fixtures_files import xlsx_bytes

pytestmark = pytest.mark.browser

ROWS = [["Model", "Units", "Share"], ["Galaxy S24", 10, 0.25], ["iPhone 15", 5, 0.5], ["Pixel 8", 2, 0.25]]


@pytest.mark.parametrize("width", [390, 1366])
def test_a_listed_cell_links_to_it_highlighted_in_the_preview(page, worker, site, shot, width):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": width, "height": 900})
    site.create_category("phones")
    uploaded = site.upload("phones", "phones.xlsx", xlsx_bytes({"Sales": ROWS}))
    assert site.wait_until_settled(uploaded["id"])[0]["status"] == "done"

    page.goto(uploaded["url"])
    cells = page.locator("#cells")
    expect(cells).to_contain_text("Text cells whose numbers were counted: 3")
    expect(cells.locator("tbody tr").first).to_have_text(re.compile(r"Sales!A2\s*Galaxy S24\s*24"))
    cells.get_by_role("link", name="Sales!A3").click()

    expect(page).to_have_url(re.compile(r"at=0!A3#cell-0-A3$"))
    target = page.locator("#cell-0-A3")
    expect(target).to_have_text("iPhone 15")
    expect(target).to_have_class(re.compile(r"\bcell-hit\b"))
    expect(target).to_be_in_viewport()
    assert page.locator("td.cell-hit").count() == 1
    outline = target.evaluate("cell => getComputedStyle(cell).outlineStyle")
    assert outline == "solid"
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('#cells, #preview')].map(e => e.getBoundingClientRect().right))")
    assert widest <= width + 1, "the cell list and the preview fit the window (tables scroll inside them)"
    shot(page, f"highlighted-{width}")
