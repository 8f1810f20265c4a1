"""The rules every export follows: a number cell only when it is exact, and text no spreadsheet runs."""

import csv
import io
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.utils.escape import unescape

from webapp.exports import as_csv, as_xlsx
from webapp.exports.tables import COUNT, NUMBER, TIME, Column, Export, Sheet, inert_csv_text, number_cell

HOSTILE = ['=HYPERLINK("http://x")', "@SUM(1)", "+1+2", "-2+3", "\tTAB", "\rCR", "=1+1"]


@pytest.mark.parametrize("value", ["0.1", "46.3", "0", "-4", "100", "1234567.89", "123456789012345", "1E+20", "0.000001"])
def test_a_decimal_a_double_holds_exactly_is_a_number(value):
    cell = number_cell(Decimal(value))
    assert isinstance(cell, float) and Decimal(repr(cell)) == Decimal(value)


@pytest.mark.parametrize("value", ["12345678901234567.25", "1234567890123456", "0.1000000000000001", "1E+400",
                                   "3.141592653589793238"])
def test_a_decimal_a_double_would_round_is_its_exact_text(value):
    cell = number_cell(Decimal(value))
    assert isinstance(cell, str) and Decimal(cell) == Decimal(value) and "E" not in cell


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_text_that_starts_like_a_formula_gets_an_apostrophe(text):
    assert inert_csv_text(text) == "'" + text


@pytest.mark.parametrize("text", ["plain", "a=b", "café", "", " =x"])
def test_other_csv_text_is_unchanged(text):
    assert inert_csv_text(text) == text


def _export(rows):
    columns = [Column("Text"), Column("Total", NUMBER), Column("Files", COUNT), Column("At", TIME)]
    return Export("test", [Sheet("Sheet", columns, iter(rows), lambda: ("Total", Decimal("-4"), 3, None))])


ROWS = [(text, Decimal("-4"), 1, datetime(2026, 12, 3, 9, 30)) for text in HOSTILE] + [
    ("Café, \"quoted\"\nnew line", Decimal("12345678901234567.25"), 2, None),
]


def test_xlsx_writes_every_text_as_a_string_and_numbers_as_exact_as_they_can_be():
    workbook = openpyxl.load_workbook(as_xlsx.write(_export(ROWS)))
    cells = list(workbook["Sheet"].iter_rows())
    assert [c.value for c in cells[0]][1].startswith("Total (exact")
    for row, expected in zip(cells[1:], ROWS, strict=False):
        # Never "f" (formula). Control characters are stored as OOXML escapes (`_x000D_`), which Excel reads back.
        assert row[0].data_type == "s" and unescape(row[0].value) == expected[0]
    negative, inexact = cells[1][1], cells[len(HOSTILE) + 1][1]
    assert negative.data_type == "n" and negative.value == -4
    assert inexact.data_type == "s" and inexact.value == "12345678901234567.25"
    assert cells[1][3].value == datetime(2026, 12, 3, 9, 30)
    assert [c.value for c in cells[-1]] == ["Total", -4, 3, None]


def test_csv_is_rfc_4180_with_a_bom_exact_numbers_and_inert_text():
    body = b"".join(as_csv.lines(_export(ROWS)))
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body[3:].decode(), newline="")))
    assert rows[0][1].startswith("Total (exact")
    assert [r[0] for r in rows[1:len(HOSTILE) + 1]] == ["'" + text for text in HOSTILE]
    assert rows[1][1:] == ["-4", "1", "2026-12-03 09:30:00"]  # a negative number is a number, not text
    assert rows[-2] == ['Café, "quoted"\nnew line', "12345678901234567.25", "2", ""]
    assert b'"Caf\xc3\xa9, ""quoted""\nnew line"' in body
    assert rows[-1] == ["Total", "-4", "3", ""]


def test_an_xlsx_whose_rows_fail_halfway_leaves_no_file_behind(tmp_path, monkeypatch):
    import tempfile

    def failing_rows():
        yield from ROWS
        raise RuntimeError("search went away")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(RuntimeError):
        as_xlsx.write(Export("test", [Sheet("Sheet", _export([]).sheets[0].columns, failing_rows())]))
    assert list(tmp_path.iterdir()) == []
