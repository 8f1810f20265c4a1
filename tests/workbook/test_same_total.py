"""Same table, same total, whatever the format: each number rule of the README read in .xlsx, .ods, .csv
(and .xls where the format can hold the value), by the extraction itself."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.fixtures_files import csv_bytes, ods_bytes, xls_bytes, xlsx_bytes
from webapp.workbook.extract import extract

WRITERS = {
    "xlsx": lambda rows: xlsx_bytes({"S": rows}),
    "ods": lambda rows: ods_bytes({"S": rows}),
    "xls": lambda rows: xls_bytes({"S": rows}),
    "csv": lambda rows: csv_bytes([["" if v is None else str(v) for v in row] for row in rows]),
}


@pytest.fixture
def totals(tmp_path):
    """Write the same rows in each format and return {format: (total, skipped numbers)}."""

    def read(rows, formats=("xlsx", "ods", "xls", "csv")) -> dict[str, tuple[Decimal, int]]:
        found = {}
        for kind in formats:
            path = tmp_path / f"table.{kind}"
            path.write_bytes(WRITERS[kind](rows))
            extraction = extract(path)
            found[kind] = (extraction.total, extraction.skipped)
        return found

    return read


def _all(found: dict, total: str, skipped: int = 0) -> bool:
    return all(value == (Decimal(total), skipped) for value in found.values())


@pytest.mark.parametrize(
    "written, total",
    [
        ("25%", "0.25"),
        ("$1,234.50", "1234.5"),
        ("€12.5", "12.5"),
        ("1.234,50 €", "1234.5"),
        ("12,50 €", "12.5"),
        ("(100)", "-100"),
        ("($1,234.50)", "-1234.5"),
        ("−4", "-4"),
        ("1.23457E+15", "1234570000000000"),
        ("1.5E+3", "1500"),
        ("order 1.5E+3 units", "1500"),
        (".5", "0.5"),
        ("-.5", "-0.5"),
        ("1.2.3", "0"),
        ("version 1.2.3", "0"),
        ("192.168.1.1", "0"),
        ("1,234,56", "291"),
        ("１２３", "123"),
    ],
)
def test_a_cell_written_as_text_counts_the_same_in_every_format(totals, written, total):
    found = totals([["item", written], ["other", 1]], formats=("xlsx", "ods", "xls", "csv"))
    assert _all(found, str(Decimal(total) + 1)), found


def test_a_number_no_total_can_hold_is_skipped_and_reported_in_every_format(totals):
    found = totals([["huge", "1E+400"], ["fine", 2]], formats=("xlsx", "ods", "xls", "csv"))
    assert _all(found, "2", skipped=1), found


@pytest.mark.parametrize("written", ["2024-05-01", "01/05/2024", "1/5/24", "01.05.2024", "2024-05-01 10:00",
                                     "2024-05-01T10:00:00Z", "09:55:33", "9:55 AM", "288:00:00", "1 May 2024"])
def test_a_csv_date_or_time_counts_nothing_like_a_date_cell(totals, written):
    as_text = totals([["when", written], ["amount", 7]], formats=("csv", "xlsx", "ods"))
    as_dates = totals([["when", dt.date(2024, 5, 1)], ["amount", 7]], formats=("xlsx", "ods", "xls"))
    assert _all(as_text, "7") and _all(as_dates, "7"), (as_text, as_dates)


def test_percentages_and_amounts_stored_as_numbers_match_their_csv_export(tmp_path):
    stored = [["rate", 0.25], ["price", 1234.5], ["refund", -100], ["big", 1.23457e15]]
    exported = [["rate", "25%"], ["price", "$1,234.50"], ["refund", "(100)"], ["big", "1.23457E+15"]]
    totals = {}
    for kind, content in (("xlsx", xlsx_bytes({"S": stored})), ("ods", ods_bytes({"S": stored})),
                          ("xls", xls_bytes({"S": stored})), ("csv", csv_bytes(exported))):
        path = tmp_path / f"t.{kind}"
        path.write_bytes(content)
        totals[kind] = extract(path).total
    assert set(totals.values()) == {Decimal("1234570000001134.75")}, totals


def test_semicolon_csv_keeps_its_decimal_commas(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_bytes(csv_bytes([["a", "12,50"], ["b", "1.234,50"], ["c", "25 %"], ["d", "1,5E+3"]], delimiter=";"))
    assert extract(path).total == Decimal("2747.25")  # 12.5 + 1234.5 + 0.25 + 1500
