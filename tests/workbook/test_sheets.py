"""The per-sheet reader: its fast path and its plain per-cell path must agree on every input."""

import datetime as dt
import math
import random
from decimal import Decimal

import pytest

from webapp.workbook import sheets
from webapp.workbook.sheets import WrittenNumber, read_sheet

_NUMBERS = [0.0, -0.0, 1e-4, 5e-4, 1.5e-7, 9.99e15, 1e16, 2.5e300, math.inf, -math.inf, math.nan, 0.1, 12.5, -3.0, 7, 10**40]
_TEXTS = ["", " ", "item 12 of 3.5 kg", "X-100", "-4 t", "1,234.50", "0012", "abc", "True", "5.0", "a 5.0", "tab\there",
          "two\nlines", "é٣", "1" * 31, "x" * 40_000 + " 7"]
_OTHERS = [True, False, dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4, 5), dt.time(1, 2), dt.timedelta(hours=3), None,
           WrittenNumber("12,50", Decimal("12.5"))]


def _value(rnd: random.Random, pool: list) -> object:
    kind = rnd.random()
    if kind < 0.35:
        return rnd.choice([float(rnd.randint(-1000, 100_000)), round(rnd.uniform(-10, 1000), rnd.randint(0, 4))])
    if kind < 0.55:
        return rnd.choice(["item 7 kg", "", "note 3.25"])
    return rnd.choice(pool)


def _plain(rows):
    original = sheets._fast_path_fits
    sheets._fast_path_fits = lambda *args: False
    try:
        return read_sheet("S", rows)
    finally:
        sheets._fast_path_fits = original


@pytest.mark.parametrize("seed", range(4))
def test_fast_and_plain_paths_give_the_same_text_sums_and_counts(seed):
    rnd = random.Random(seed)
    pool = [*_NUMBERS, *_TEXTS, *_OTHERS] if seed else ["", "w 12", "True", True, 3.5, 4.0, dt.date(2024, 1, 1)]
    for _ in range(150):
        width = rnd.randint(0, 5)
        rows = [[_value(rnd, pool) for _ in range(width)] for _ in range(rnd.randint(0, 5))]
        fast, plain = read_sheet("S", rows), _plain(rows)
        assert (fast.text, fast.facts.as_dict(), fast.numbers) == (plain.text, plain.facts.as_dict(), plain.numbers), rows


def test_the_fast_path_serves_ordinary_sheets():
    rows = [[1.0, "item 12 of 3.5 kg", True, dt.date(2024, 5, 1), ""], [2.25, "", False, "", "x"]]
    flat = [v for row in rows for v in row]
    strings = sum(isinstance(v, str) for v in flat)
    assert sheets._fast_text(sheets.SheetFacts("S"), rows, flat, set(map(type, flat)), strings) is not None
    read = read_sheet("S", rows)
    assert read.text == "1\titem 12 of 3.5 kg\tTRUE\t2024-05-01\n2.25\t\tFALSE\t\tx"
    assert read.facts.numeric_sum == Decimal("3.25") and read.facts.text_sum == Decimal("15.5")
    assert read.facts.cells == {"number": 2, "text": 2, "boolean": 2, "date": 1}


def test_grid_text_keeps_empty_rows_and_columns_so_hits_can_be_located():
    read = read_sheet("S", [["", "", "a"], ["", "", ""], ["b", "", ""]], origin=(4, 1))
    assert read.text == "\t\ta\n\nb"
    assert read.facts.origin == (4, 1)


def test_non_finite_and_absurd_numbers_are_skipped_and_reported():
    read = read_sheet("S", [[math.inf, math.nan, 1e40, 2.0, "id 1234567890123456789012345678901 and 5"]])
    assert read.facts.numeric_sum == 2 and read.facts.text_sum == 5
    assert read.facts.skipped == 4
    assert read.text == "\t\t\t2\tid 1234567890123456789012345678901 and 5"


def test_long_cells_are_cut_for_search_but_their_numbers_count():
    read = read_sheet("S", [["x " * 20_000 + "12"]])
    assert read.facts.cut_cells == 1 and read.facts.text_sum == 12
    assert len(read.text) == sheets.MAX_CELL_CHARS


def test_sums_are_exact_beyond_float_and_default_decimal_precision():
    tiny = "0." + "0" * 28 + "1"
    read = read_sheet("S", [[0.1, 0.2, f"{'9' * 30} and {tiny}"]])
    assert read.facts.numeric_sum == Decimal("0.3")
    assert read.facts.text_sum == Decimal("9" * 30 + tiny[1:]) and read.facts.skipped == 0


def test_numbers_written_differently_from_their_value_are_listed_canonically():
    read = read_sheet("S", [["paid 1,234.50", "12.50 kg", "7", WrittenNumber("0012", Decimal(12))]])
    assert read.numbers == {"1234.5", "12.5", "12"}


def test_numbers_that_look_canonical_really_are():
    from webapp.workbook.numbers import display_number, find_numbers

    rnd = random.Random(1)
    for _ in range(20_000):
        text = "".join(rnd.choice("0123456789.,- a") for _ in range(rnd.randint(1, 12)))
        for number in find_numbers(text):
            if not sheets._NON_CANONICAL.search(number):
                assert display_number(Decimal(number)) == number, text
