"""Totals on pages are grouped and exact to the last digit, with the plain value kept for copying; the API stays plain."""

from decimal import Decimal

import pytest

from webapp.number_format import grouped


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("1449857594090904.17"), "1,449,857,594,090,904.17"),
    (Decimal("123456789012345678901234567890"), "123,456,789,012,345,678,901,234,567,890"),
    (Decimal("-1234567.000100"), "-1,234,567.0001"),
    (Decimal("999"), "999"),
    (Decimal("1000"), "1,000"),
    (Decimal("0.30"), "0.3"),
    (Decimal("-0.5"), "-0.5"),
    (Decimal("1E+3"), "1,000"),
    (Decimal("0"), "0"),
    (None, "—"),
])
def test_grouped_keeps_every_digit(value, shown):
    assert grouped(value) == shown


def test_pages_group_totals_keep_the_plain_value_and_the_api_stays_plain(client, api, run_jobs, make_workbook):
    api.create_category("asian_phones")
    api.upload("asian_phones", ("big.xlsx", make_workbook({"S": [["1449857594090904"], [Decimal("0.17")]]})))
    run_jobs()
    assert client.get("/api/categories/asian_phones").get_json()["total"] == "1449857594090904.17"

    page = client.get("/categories/asian_phones").text
    assert ('data-exact="1449857594090904.17" title="Exact value: 1449857594090904.17" id="category-total">'
            "1,<wbr>449,<wbr>857,<wbr>594,<wbr>090,<wbr>904.17</strong>") in page
    assert 'data-copy="1449857594090904.17"' in page
    dashboard = client.get("/").text
    assert 'id="grand-total">1,<wbr>449,<wbr>857' in dashboard
    assert 'aria-label="Total of asian_phones: 1,449,857,594,090,904.17, see its files"' in dashboard
