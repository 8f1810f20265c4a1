"""Search hits say where they are (`Prices!B7` with the cell's text), and numbers are found as numbers."""

import datetime as dt

import pytest

from tests.fixtures_files import csv_bytes, xlsx_bytes
from webapp.search.chunk_store import StoredChunk
from webapp.search.chunks import split_document
from webapp.search.highlight import Budget, exclusion_pattern, query_pattern
from webapp.search.locate import locate
from webapp.workbook.extract import extract


@pytest.fixture
def catalogue(api, run_jobs):
    """Processed files whose cells hold words and numbers written in several ways."""
    api.create_category("shop")
    api.upload(
        "shop",
        ("prices.xlsx", xlsx_bytes({
            "Summary": [["Total", 4021.5]],
            "Prices": [[None], [None, "Item", "Price"], [None, "Café <b>crème</b>", 12.5], [None, "charger", 1234.5],
                       [None, "cable", "1,234.50 EUR"], [None, "date", dt.date(2024, 5, 1)]],
        })),
        ("export.csv", csv_bytes([["item", "price"], ["cable", "12.50"], ["plug", "0012"]])),
    )
    run_jobs()


def _hits(client, q):
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 200, response.json
    return {hit["filename"]: hit for hit in response.json["hits"]}


def test_a_hit_names_the_cells_holding_the_word(client, catalogue):
    hit = _hits(client, "charger")["prices.xlsx"]
    assert hit["locations"] == [{"cell": "Prices!B4", "text": "<mark>charger</mark>"}]


def test_cell_text_in_locations_is_escaped_and_accents_fold(client, catalogue):
    hit = _hits(client, "creme")["prices.xlsx"]
    assert hit["locations"] == [{"cell": "Prices!B3", "text": "Café &lt;b&gt;<mark>crème</mark>&lt;/b&gt;"}]


@pytest.mark.parametrize("typed", ["12.5", "12.50", "12.500"])
def test_a_number_finds_every_way_it_is_written(client, catalogue, typed):
    hits = _hits(client, typed)
    assert set(hits) == {"prices.xlsx", "export.csv"}
    assert hits["prices.xlsx"]["locations"] == [{"cell": "Prices!C3", "text": "<mark>12.5</mark>"}]
    assert hits["export.csv"]["locations"] == [{"cell": "B2", "text": "<mark>12.50</mark>"}]


@pytest.mark.parametrize("typed", ["1234.5", "1,234.50", "1234.50"])
def test_thousands_separators_do_not_matter(client, catalogue, typed):
    locations = _hits(client, typed)["prices.xlsx"]["locations"]
    assert locations == [
        {"cell": "Prices!C4", "text": "<mark>1234.5</mark>"},
        {"cell": "Prices!C5", "text": "<mark>1,234.50</mark> EUR"},
    ]


def test_leading_zeros_in_text_are_found_by_value(client, catalogue):
    assert _hits(client, "12")["export.csv"]["locations"] == [{"cell": "B3", "text": "<mark>0012</mark>"}]


def test_the_search_page_shows_cell_locations(client, catalogue):
    page = client.get("/search", query_string={"q": "charger"}).text
    assert "Prices!B4" in page and "<mark>charger</mark>" in page


def _located(path, query: str) -> list[str]:
    """Locate the query's cells in every chunk of an extracted file, as a page of hits does."""
    extraction = extract(path)
    chunks = [StoredChunk(c.seq, c.first_line, c.first_column, c.text)
              for c in split_document(extraction.text, extraction.numbers) if c.first_line >= 0]
    found = locate(chunks, extraction.breakdown(), query_pattern(query), Budget(), exclusion_pattern(query))
    return [loc.cell.unescape() for loc in found]


def test_locations_follow_the_grid_across_sheets_and_quote_sheet_names(tmp_path):
    path = tmp_path / "w.xlsx"
    path.write_bytes(xlsx_bytes({"A": [["x"]], "Q3 sales": [["", "", ""], ["", "", "tea 3"]], "It's": [["tea"]]}))
    assert _located(path, "tea") == ["'Q3 sales'!C2", "'It''s'!A1"]


def test_only_the_first_cells_are_located_and_cells_holding_an_excluded_word_are_not(tmp_path):
    path = tmp_path / "w.xlsx"
    path.write_bytes(xlsx_bytes({"S": [["tea"], ["tea"], ["tea and milk"], ["tea"], ["milk"]]}))
    assert _located(path, "tea") == ["S!A1", "S!A2", "S!A3"]
    assert _located(path, "milk -tea") == ["S!A5"]
    assert query_pattern("-tea") is None
