"""Searches whose cost must not grow with the number of matches: counts stop early and say so."""

import pytest

from webapp.search import postgres
from webapp.services.answers import finder


def _upload_files_with(api, make_workbook, category, word, count):
    for n in range(count):
        response = api.upload(category, (f"{category}-{n}.xlsx", make_workbook({"S": [[f"{word} number", n]]})))
        assert response.status_code == 202, response.json


def test_search_stops_counting_past_its_window_and_says_at_least(client, api, make_workbook, run_jobs, monkeypatch):
    monkeypatch.setattr(postgres, "RANK_WINDOW", 5)
    api.create_category("gadgets")
    _upload_files_with(api, make_workbook, "gadgets", "widget", 23)
    _upload_files_with(api, make_workbook, "gadgets", "sprocket", 2)
    run_jobs()

    # A page holds 20 hits, so 20 is the smallest window: 23 files match, 20 are counted.
    common = client.get("/api/search", query_string={"q": "widget"}).json
    assert (common["total"], common["total_is_estimate"], len(common["hits"])) == (20, True, 20)
    rare = client.get("/api/search", query_string={"q": "sprocket"}).json
    assert (rare["total"], rare["total_is_estimate"]) == (2, False)

    assert "<strong>20+</strong> files contain" in client.get("/search", query_string={"q": "widget"}).text
    assert "<strong>2</strong> files contain" in client.get("/search", query_string={"q": "sprocket"}).text


def test_a_page_past_the_window_is_empty_and_keeps_the_capped_count(client, api, make_workbook, run_jobs, monkeypatch):
    # A deep page must cost what the first costs: it does not widen the window to reach its hits.
    monkeypatch.setattr(postgres, "RANK_WINDOW", 5)
    api.create_category("gadgets")
    _upload_files_with(api, make_workbook, "gadgets", "widget", 23)
    run_jobs()
    first = client.get("/api/search", query_string={"q": "widget"}).json
    assert len(first["hits"]) == 20
    for page in (2, 9, 10_000):
        beyond = client.get("/api/search", query_string={"q": "widget", "page": page}).json
        assert (beyond["hits"], beyond["total"], beyond["total_is_estimate"]) == ([], 20, True), page


@pytest.mark.parametrize("sample", [2, 200], ids=["counted-per-region", "counted-from-sample"])
def test_find_regions_caps_each_count_and_marks_it(client, api, make_workbook, run_jobs, monkeypatch, sample):
    monkeypatch.setattr(finder, "REGION_COUNT_CAP", 2)
    monkeypatch.setattr(postgres, "GROUP_SAMPLE", sample)
    api.create_category("asian_gadgets", region="Asia")
    api.create_category("eu_gadgets", region="Europe")
    api.create_category("us_gadgets", region="America")
    _upload_files_with(api, make_workbook, "asian_gadgets", "gizmo", 4)
    _upload_files_with(api, make_workbook, "eu_gadgets", "gizmo", 1)
    _upload_files_with(api, make_workbook, "us_gadgets", "other", 1)
    run_jobs()

    answer = client.get("/api/regions", query_string={"term": "gizmo"}).json
    assert answer == {"term": "gizmo", "regions": ["Asia", "Europe"], "files": {"Asia": 2, "Europe": 1},
                      "files_is_estimate": {"Asia": True, "Europe": False}}
    page = client.get("/regions", query_string={"term": "gizmo"}).text
    assert "2+ files" in page and "1 file<" in page
