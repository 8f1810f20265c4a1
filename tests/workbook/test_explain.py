"""The reader names the cells behind each sheet's total: text cells whose numbers were counted, text read as one
value, values that count nothing; lists are bounded, counts are complete."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import xlsxwriter

from tests.fixtures_files import csv_bytes, xlsx_bytes
from webapp.workbook.explain import MAX_LISTED
from webapp.workbook.extract import extract
from webapp.workbook.sheets import read_sheet


@pytest.fixture
def read(tmp_path):
    def run(content: bytes):
        path = tmp_path / "upload"
        path.write_bytes(content)
        return extract(path)

    return run


PHONES = [["Model", "Units", "Price"], ["Galaxy S24", 10, 799.99], ["iPhone 15", 5, 999], ["Pixel 8", 2, 599]]


def test_model_names_are_listed_with_the_numbers_read_from_them(read):
    extraction = read(xlsx_bytes({"Sales": PHONES}))
    sales = extraction.explanation()["sheets"][0]
    assert sales["name"] == "Sales" and sales["text_sum"] == "47"
    assert sales["numbers"] == {"count": 6, "sum": "2414.99"}
    assert sales["text"] == {"count": 3, "cells": [
        {"cell": "A2", "text": "Galaxy S24", "numbers": ["24"], "more": 0, "skipped": 0},
        {"cell": "A3", "text": "iPhone 15", "numbers": ["15"], "more": 0, "skipped": 0},
        {"cell": "A4", "text": "Pixel 8", "numbers": ["8"], "more": 0, "skipped": 0},
    ]}
    assert extraction.total == Decimal("2414.99") + 47


def test_values_left_out_are_listed_with_the_reason():
    rows = [["flag", True], ["day", dt.date(2024, 5, 1)], ["at", dt.time(9, 55)], ["huge", 1e40],
            ["written", "2024-05-01"], ["id", "ref 1234567890123456789012345678901234"]]
    cells = read_sheet("Odd", rows).cells
    assert [(c["cell"], c["why"]) for c in cells["left_out"]["cells"]] == [
        ("B1", "true/false"), ("B2", "date"), ("B3", "time"), ("B4", "no total can hold it"),
        ("B5", "date or time written as text")]
    assert cells["left_out"]["count"] == 5
    over_long = [c for c in cells["text"]["cells"] if c["cell"] == "B6"]
    assert over_long == [{"cell": "B6", "text": "ref 1234567890123456789012345678901234", "numbers": [], "more": 0,
                          "skipped": 1}]


def test_text_read_as_one_value_is_listed_with_what_it_counts_as():
    cells = read_sheet("Prices", [["share", "25%"], ["refund", "(100)"], ["shown", "Galaxy S24"]]).cells
    assert cells["values"] == {"count": 2, "cells": [{"cell": "B1", "text": "25%", "value": "0.25"},
                                                     {"cell": "B2", "text": "(100)", "value": "-100"}]}


def test_references_follow_the_sheets_first_cell_and_ragged_rows():
    cells = read_sheet("S", [["a 1"], ["x", "b 2", "c 3"]], origin=(4, 2)).cells
    assert [c["cell"] for c in cells["text"]["cells"]] == ["C5", "D6", "E6"]


def test_long_lists_are_capped_and_the_count_stays_complete():
    rows = [[f"item {i}"] for i in range(MAX_LISTED + 50)] + [[True]] * (MAX_LISTED + 5)
    cells = read_sheet("Many", rows).cells
    assert cells["text"]["count"] == MAX_LISTED + 50 and len(cells["text"]["cells"]) == MAX_LISTED
    assert cells["text"]["cells"][-1]["cell"] == f"A{MAX_LISTED}"
    assert cells["left_out"]["count"] == MAX_LISTED + 5 and len(cells["left_out"]["cells"]) == MAX_LISTED


def test_repeated_texts_count_every_cell():
    cells = read_sheet("R", [["box 12"], ["box 12"], ["box 12"]]).cells
    assert cells["text"]["count"] == 3 and [c["cell"] for c in cells["text"]["cells"]] == ["A1", "A2", "A3"]


def test_csv_fields_are_listed_the_same_way(read):
    extraction = read(csv_bytes([["model", "share", "when", "price"], ["Galaxy S24", "25%", "2024-05-01", "$799.99"]]))
    sheet = extraction.explanation()["sheets"][0]
    assert [c["cell"] for c in sheet["text"]["cells"]] == ["A2"]
    assert sheet["values"]["cells"] == [{"cell": "B2", "text": "25%", "value": "0.25"},
                                        {"cell": "D2", "text": "$799.99", "value": "799.99"}]
    assert sheet["left_out"]["cells"] == [{"cell": "C2", "text": "2024-05-01", "why": "date or time written as text"}]


def test_sheets_past_the_listed_ones_give_counts_only(read):
    sheets = {f"S{i}": [["box 12"]] for i in range(12)}
    explained = read(xlsx_bytes(sheets)).explanation()
    assert explained["sheets"][0]["text"]["cells"] and explained["sheets"][0]["text"]["count"] == 1
    last = explained["sheets"][-1]
    assert last["text"] == {"count": 1, "cells": []} and explained["listed_sheets"] == 10


def _formulas_xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Sums")
    sheet.write_row(0, 0, ["units", 2, 3])
    sheet.write_formula(0, 3, "=B1+C1", None, 5)  # a saved result
    sheet.write_formula(1, 3, "=SUM(B1:C1)*2")  # no saved result (xlsxwriter stores 0): the app computes it
    workbook.close()
    return buffer.getvalue()


def test_formula_cells_are_listed_with_their_result_and_those_the_app_computed_say_so(read):
    sheet = read(_formulas_xlsx()).explanation()["sheets"][0]
    assert sheet["formulas"] == {"count": 2, "cells": [{"cell": "D1", "value": "5"},
                                                       {"cell": "D2", "value": "10", "computed": True}]}


def test_a_value_no_total_can_hold_is_listed_as_left_out_in_csv_and_workbooks(read):
    csv_sheet = read(csv_bytes([["huge", "1E+400"], ["fine", "2"]])).explanation()["sheets"][0]
    assert csv_sheet["left_out"] == {"count": 1, "cells": [{"cell": "B1", "text": "1E+400", "why": "no total can hold it"}]}
    cells = read_sheet("S", [["1E+400", 1e300]]).cells
    assert {(c["cell"], c["why"]) for c in cells["left_out"]["cells"]} == {("A1", "no total can hold it"),
                                                                          ("B1", "no total can hold it")}
