"""The extraction service on its own (pure: a path in, text + exact sum + per-sheet facts out)."""

import gc
from decimal import Decimal

import pytest

from tests.fixtures_files import Formula, sheet_xml, xlsx_bytes, xlsx_with_sheet_xml
from webapp.workbook.extract import ExtractionError, Limits, extract


@pytest.fixture
def read(tmp_path):
    """Write bytes to a file and extract it."""

    def run(content: bytes, limits: Limits | None = None):
        path = tmp_path / "upload"
        path.write_bytes(content)
        return extract(path, limits)

    return run


def test_text_sum_and_breakdown(read):
    extraction = read(xlsx_bytes({"Prices": [[0.1, "box of 12"], [0.2, True]], "Empty": []}))
    assert extraction.total == Decimal("12.3")
    assert extraction.text == "Prices\n0.1\tbox of 12\n0.2\tTRUE\nEmpty\n"
    prices, empty = extraction.breakdown()["sheets"]
    assert prices == {
        "name": "Prices", "numeric_sum": "0.3", "text_sum": "12", "total": "12.3",
        "cells": {"boolean": 1, "number": 2, "text": 1}, "skipped_numbers": 0, "formulas_without_value": 0,
        "formulas_computed": 0, "computed_cells": [], "formulas_not_computed": 0, "formula_problems": [],
        "cut_cells": 0, "origin": [0, 0], "first_line": 1,
    }
    assert empty["cells"] == {} and empty["total"] == "0" and empty["first_line"] == 4


@pytest.mark.parametrize(
    "cells, expected",
    [
        ('<c r="A1"><f>1+1</f><v>2</v></c><c r="B1"><f>2+2</f></c>', 1),
        ('<c r="A1"><f>1+1</f><v/></c><c r="B1"><f>2+2</f><v></v></c>', 2),
        ('<c r="A1"><f t="shared" ref="A1:A2" si="0">B1</f><v>3</v></c><c r="A2"><f t="shared" si="0"/><v>4</v></c>', 0),
        ('<c r="A1"><f t="shared" ref="A1:A2" si="0">B1</f></c><c r="A2"><f t="shared" si="0"/></c>', 2),
        ('<c r="A1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>', 0),
    ],
)
def test_formulas_without_a_cached_value_are_counted(read, cells, expected):
    extraction = read(xlsx_with_sheet_xml(sheet_xml(f'<row r="1">{cells}</row>')))
    assert extraction.formulas_without_value == expected


def test_formulas_are_found_in_prefixed_xml_too(read):
    ns = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    xml = f'<?xml version="1.0"?><x:worksheet {ns}><x:sheetData><x:row r="1">' \
          '<x:c r="A1"><x:f>1+1</x:f><x:v>2</x:v></x:c><x:c r="B1"><x:f>2+2</x:f></x:c></x:row></x:sheetData></x:worksheet>'
    extraction = read(xlsx_with_sheet_xml(xml.encode()))
    assert extraction.formulas_without_value == 1
    assert extraction.breakdown()["formulas_computed"] == 1 and extraction.total == 6  # 2+2 computed by the app


def test_formula_counts_survive_chunk_boundaries(read):
    rows = [[Formula("A1", None) if i % 7 == 0 else Formula("A1", i) for i in range(20)] for _ in range(5_000)]
    extraction = read(xlsx_bytes({"Big": rows}, compresslevel=1))
    assert extraction.formulas_without_value == 5_000 * 3
    assert extraction.total == 5_000 * sum(i for i in range(20) if i % 7)


def test_infinity_and_not_a_number_never_reach_the_total(read):
    cells = '<row r="1"><c r="A1"><v>1E+400</v></c><c r="B1"><v>NaN</v></c><c r="C1"><v>5</v></c><c r="D1"><v>1E+35</v></c></row>'
    extraction = read(xlsx_with_sheet_xml(sheet_xml(cells)))
    assert extraction.total == 5
    assert extraction.skipped >= 2
    assert extraction.breakdown()["skipped_numbers"] == extraction.skipped


def test_cell_limit_is_named(read):
    with pytest.raises(ExtractionError, match=r"more than 1,000 cells .* the limit for one workbook"):
        read(xlsx_bytes({"S": [[1] * 40] * 30}), Limits(max_cells=1_000))


def test_sheet_limit_is_named(read):
    with pytest.raises(ExtractionError, match="has 4 sheets; at most 3 sheets"):
        read(xlsx_bytes({f"S{i}": [[1]] for i in range(4)}), Limits(max_sheets=3))


def test_unzipped_size_limit_is_named(read):
    with pytest.raises(ExtractionError, match="over the 0 MB limit"):
        read(xlsx_bytes({"S": [[1]]}), Limits(max_unzipped_bytes=100))


def test_sheet_names_stay_on_one_line(read):
    extraction = read(xlsx_bytes({"Two\twords": [["x"]]}))
    assert extraction.text.splitlines()[0] == "Two words"


def test_garbage_collection_is_switched_back_on(read):
    assert gc.isenabled()
    read(xlsx_bytes({"S": [[1]]}))
    assert gc.isenabled()
    with pytest.raises(ExtractionError):
        read(b"PK\x03\x04 truncated")
    assert gc.isenabled()
