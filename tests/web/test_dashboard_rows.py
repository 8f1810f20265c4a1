"""The dashboard's categories table is rendered once per change: every change still shows at once."""

import re


def _row(page: str, name: str) -> str:
    table = page[page.index('id="categories"'):]
    return next(row for row in re.findall(r"<tr>.*?</tr>", table, re.S) if f">{name}</a></th>" in row)


def test_a_row_shows_each_new_state_of_its_category(client, api, run_jobs, make_workbook):
    api.create_category("asian_phones", region="Asia", type="phones")
    api.create_category("eu_phones", region="Europe", type="phones")
    assert ">0</a></td>" in _row(client.get("/").text, "asian_phones")

    api.upload("asian_phones", ("a.xlsx", make_workbook({"S": [[12.5]]})))
    waiting = _row(client.get("/").text, "asian_phones")
    assert 'badge-processing">1<' in waiting and ">0</a></td>" in waiting

    run_jobs()
    counted = _row(client.get("/").text, "asian_phones")
    assert ">12.5</a></td>" in counted and "badge-processing" not in counted
    assert ">0</a></td>" in _row(client.get("/").text, "eu_phones")


def test_row_links_lead_to_the_category_and_its_region_and_type(client, api):
    api.create_category("tea & cake", region="Asia Pacific", type="snacks+drinks")
    row = _row(client.get("/").text, "tea &amp; cake")
    links = re.findall(r'href="([^"]+)"', row)
    assert client.get(links[0]).status_code == 200 and "tea &amp; cake" in client.get(links[0]).text
    region_page = client.get(links[1].split("#")[0]).text
    assert "Region: <strong>Asia Pacific</strong>" in region_page
    type_page = client.get(links[2].split("#")[0]).text
    assert "Type: <strong>snacks+drinks</strong>" in type_page


def test_bars_and_chart_tables_show_each_new_total(client, api, run_jobs, make_workbook):
    api.create_category("asian_phones", region="Asia", type="phones")
    api.create_category("eu_tablets", region="Europe", type="tablets")

    def chart(page: str, key: str) -> str:
        return page[page.index(f'id="chart-{key}"'):page.index(f'id="by-{key}"')]

    before = client.get("/").text
    assert 'title="phones: 0 — show its categories"' in chart(before, "type")
    for value in (12.5, 7.5):
        api.upload("asian_phones", (f"{value}.xlsx", make_workbook({"S": [[value]]})))
        assert "phones (1 processing)" in chart(client.get("/").text, "type")
        run_jobs()
    after = client.get("/").text
    assert 'title="phones: 20 — show its categories"' in chart(after, "type")
    assert 'title="Asia: 20 — show its categories"' in chart(after, "region")
    assert 'title="Europe: 0 — show its categories"' in chart(after, "region")
    # The largest total fills the bar; the other is empty.
    assert 'width="100.00%"' in chart(after, "type") and 'width="0.00%"' in chart(after, "type")
    table = after[after.index('id="by-type"'):]
    cells = r"<td class=\"num[^\"]*\"[^>]*>([^<]*)</td>"
    assert re.search(rf">phones</a></th>{cells * 4}", table).groups() == ("1", "2", "0", "20")


def _names(page: str) -> list[str]:
    table = page[page.index('id="categories"'):page.index("</table>", page.index('id="categories"'))]
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', table)


def test_many_categories_are_shown_a_hundred_at_a_time(client, api):
    for n in range(105):
        api.create_category(f"cat-{n:03d}", region="Asia" if n % 2 else "Europe", type="phones")
    first = client.get("/").text
    assert "Showing 1–100 of 105 categories" in first
    assert _names(first) == [f"cat-{n:03d}" for n in range(100)]
    next_page = re.search(r'<a href="([^"]+)" rel="next">', first).group(1)
    second = client.get(next_page.replace("&amp;", "&")).text
    assert "Showing 101–105 of 105 categories" in second
    assert _names(second) == [f"cat-{n:03d}" for n in range(100, 105)]
    assert _names(client.get("/?page=99").text) == _names(second)
    assert _names(client.get("/?page=nonsense").text) == _names(first)
    # A filter keeps its own, shorter list: no pages needed.
    europe = client.get("/?region=Europe").text
    assert len(_names(europe)) == 53 and "categories-shown" not in europe and 'rel="next"' not in europe
