"""Search and find_regions as a user meets them: API and pages, PostgreSQL full-text search."""

import html
import re

import pytest


@pytest.fixture
def library(api, make_workbook, run_jobs):
    """Three categories in two regions with processed workbooks, plus one file still queued."""
    api.create_category("asian_phones", region="Asia", type="phones")
    api.create_category("eu_phones", region="Europe", type="phones")
    api.create_category("eu_tablets", region="Europe", type="tablets")
    api.upload("asian_phones", ("galaxy.xlsx", make_workbook({"Prices": [["Galaxy charger", 25], ["red cable", 3]]})))
    api.upload("eu_phones", ("pixel.xlsx", make_workbook({"Stock": [["Pixel charger", 40], ["blue cable", 4]]})))
    api.upload("eu_tablets", ("tab.xlsx", make_workbook({"S": [["tablet stand", 15], ["<script>alert(1)</script> charger"]]})))
    run_jobs()
    api.upload("asian_phones", ("queued.xlsx", make_workbook({"S": [["unprocessed zebra"]]})))


def _search(client, **params):
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def test_search_returns_files_with_marked_fragments(client, library):
    result = _search(client, q="Galaxy")
    assert result["query"] == "Galaxy" and result["total"] == 1 and result["page"] == 1
    hit = result["hits"][0]
    assert {k: hit[k] for k in ("filename", "category", "region", "type")} == {
        "filename": "galaxy.xlsx", "category": "asian_phones", "region": "Asia", "type": "phones"}
    assert any("<mark>Galaxy</mark>" in h for h in hit["highlights"])


def test_matching_is_case_insensitive(client, library):
    assert _search(client, q="GALAXY")["total"] == 1


def test_cell_text_is_escaped_and_only_mark_is_html(client, library):
    hit = _search(client, q="charger", category="eu_tablets")["hits"][0]
    joined = " ".join(hit["highlights"])
    assert "<script>" not in joined
    assert "<mark>charger</mark>" in joined


def test_words_inside_tag_like_cell_text_are_searchable_and_shown_escaped(client, library):
    hits = _search(client, q="alert")["hits"]
    assert [h["filename"] for h in hits] == ["tab.xlsx"]
    shown = " ".join(hits[0]["highlights"] + [loc["text"] for loc in hits[0].get("locations", [])])
    assert "<mark>alert</mark>" in shown and "<script>" not in shown


def test_phrase_or_and_exclusion(client, library):
    assert _search(client, q='"red cable"')["total"] == 1
    assert _search(client, q='"cable red"')["total"] == 0
    assert _search(client, q="galaxy or pixel")["total"] == 2
    assert {h["filename"] for h in _search(client, q="charger -pixel")["hits"]} == {"galaxy.xlsx", "tab.xlsx"}


def test_filters_by_type_region_and_category(client, library):
    assert {h["filename"] for h in _search(client, q="charger", type="phones")["hits"]} == {"galaxy.xlsx", "pixel.xlsx"}
    assert {h["filename"] for h in _search(client, q="charger", region="europe")["hits"]} == {"pixel.xlsx", "tab.xlsx"}
    assert {h["filename"] for h in _search(client, q="charger", category="eu_tablets")["hits"]} == {"tab.xlsx"}
    assert _search(client, q="charger", region="Mars")["total"] == 0


def test_only_processed_files_are_found(client, library):
    assert _search(client, q="zebra")["total"] == 0
    assert client.get("/api/regions", query_string={"term": "zebra"}).json["regions"] == []


def test_pagination(client, api, make_workbook, run_jobs):
    api.create_category("many")
    files = [(f"f{i}.xlsx", make_workbook({"S": [[f"widget {i}"]]})) for i in range(25)]
    api.upload("many", *files)
    run_jobs()
    first, second = _search(client, q="widget"), _search(client, q="widget", page=2)
    assert first["total"] == second["total"] == 25
    assert len(first["hits"]) == 20 and len(second["hits"]) == 5
    assert not {h["document_id"] for h in first["hits"]} & {h["document_id"] for h in second["hits"]}


def test_blank_search_is_400_and_hostile_input_never_500s(client, library):
    assert client.get("/api/search", query_string={"q": "  "}).status_code == 400
    for q in ['"', "(((", "a & | ! b", "-", "'; DROP TABLE documents; --", "\\", "x" * 5000, "<b>"]:
        assert client.get("/api/search", query_string={"q": q}).status_code == 200, q
        assert client.get("/search", query_string={"q": q}).status_code == 200, q
        assert client.get("/api/regions", query_string={"term": q}).status_code == 200, q


def test_find_regions_api_lists_sorted_regions(client, library):
    assert client.get("/api/regions", query_string={"term": "charger"}).json == {
        "term": "charger", "regions": ["Asia", "Europe"], "files": {"Asia": 1, "Europe": 2},
        "files_is_estimate": {"Asia": False, "Europe": False}}
    assert client.get("/api/regions", query_string={"term": "pixel"}).json["regions"] == ["Europe"]
    assert client.get("/api/regions", query_string={"term": "nothing-like-this"}).json["regions"] == []


def test_find_regions_needs_a_term(client):
    response = client.get("/api/regions", query_string={"term": " "})
    assert response.status_code == 400 and response.json["error"]


def test_search_page_shows_marked_hits_and_the_regions_panel(client, library):
    page = client.get("/search", query_string={"q": "charger", "type": "phones"}).text
    assert "<mark>charger</mark>" in page or "<mark>Charger</mark>" in page
    assert "galaxy.xlsx" in page and "pixel.xlsx" in page
    assert "<script>alert" not in page
    # The panel is a placeholder naming where its answer is (it costs a second search), with a link for no scripts.
    placeholder = re.search(r'id="regions-panel"[^>]*data-panel-src="([^"]+)"', page)
    assert placeholder and "/regions?term=charger" in page
    panel = client.get(html.unescape(placeholder.group(1)))
    assert panel.status_code == 200 and 'id="regions-panel"' in panel.text
    assert re.search(r"Asia</a> <span class=\"count-pill\">1 file<", panel.text)
    assert re.search(r"Europe</a> <span class=\"count-pill\">2 files<", panel.text)
    # Its region links keep the search's words and other filters.
    assert "/search?q=charger&amp;type=phones&amp;region=Asia" in panel.text


def test_regions_panel_asks_for_words(client, library):
    assert client.get("/search/regions", query_string={"q": "  "}).status_code == 400
    assert "Please type a word" in client.get("/search/regions").text


def test_search_box_is_on_every_page(client, library):
    for path in ["/", "/categories/asian_phones", "/documents/1", "/regions", "/search"]:
        assert 'role="search"' in client.get(path).text, path


def test_regions_page_answers_find_regions(client, library):
    page = client.get("/regions", query_string={"term": "cable"}).text
    assert "Asia" in page and "Europe" in page
    empty = client.get("/regions", query_string={"term": "unicorn"}).text
    assert "No region has a processed file containing" in empty


def test_highlights_show_a_few_words_around_each_of_the_first_matches(client, api, make_workbook, run_jobs):
    api.create_category("asian_phones")
    filler = [[f"filler{i} words here"] for i in range(40)]
    rows = [["opening lines"], ["Galaxy charger 25"], *filler, ["second galaxy cable"], *filler,
            ["third Galaxy stand"], *filler, ["fourth galaxy, never shown"]]
    api.upload("asian_phones", ("long.xlsx", make_workbook({"S": rows})))
    run_jobs()
    highlights = _search(client, q="galaxy")["hits"][0]["highlights"]
    assert len(highlights) == 3
    assert [h.count("<mark>") for h in highlights] == [1, 1, 1]
    assert "<mark>Galaxy</mark> charger 25" in highlights[0] and "opening lines" in highlights[0]
    assert "second <mark>galaxy</mark> cable" in highlights[1]
    assert all(len(h) < 200 and "filler30" not in h for h in highlights)


def test_search_page_keeps_the_chosen_filters_selected_whatever_their_case(client, library):
    page = client.get("/search", query_string={"q": "charger", "region": "europe", "category": "EU_PHONES"}).text
    assert '<option selected value="Europe">Europe</option>' in page
    assert '<option selected value="eu_phones">eu_phones</option>' in page
    assert '<option value="Asia">Asia</option>' in page and page.count("<option selected ") == 2
    assert "pixel.xlsx" in page and "galaxy.xlsx" not in page


def test_filter_choices_show_a_new_category_at_once(client, api, library):
    assert "brand_new" not in client.get("/search", query_string={"q": "charger"}).text
    api.create_category("brand_new", region="Oceania", type="phones")
    page = client.get("/search", query_string={"q": "charger"}).text
    assert '<option value="brand_new">brand_new</option>' in page and '<option value="Oceania">Oceania</option>' in page
