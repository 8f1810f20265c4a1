"""Name the cells behind a sheet's total: text cells whose numbers were read, text read as one value, and values
left out (true/false, dates, times, numbers no total can hold).

The lists are bounded (MAX_LISTED cells per sheet and kind, the first ones in reading order) while the counts
cover every cell, so a page can say how many are not listed. Finding the cells takes C-level passes over the
sheet (set look-ups, type maps), never a Python loop per cell: only the listed cells are looked at one by one.
"""

import datetime as dt
import math
import operator
import re
from bisect import bisect_right
from collections import Counter
from decimal import Decimal
from itertools import accumulate, compress, count, islice, repeat

from webapp.workbook.cellref import column_letters
from webapp.workbook.numbers import display_number, find_numbers, too_long, written_numbers
from webapp.workbook.written import WrittenDate, WrittenNumber, duration_text

MAX_LISTED = 200  # cells listed per sheet and kind; the rest are counted
MAX_TEXT = 120  # characters of a listed cell's text
MAX_NUMBERS = 12  # numbers listed per text cell
_DIGIT = re.compile(r"\d")
_LEFT_OUT_TYPES = {bool, dt.date, dt.datetime, dt.time, dt.timedelta}
# Floats within this range are finite and never longer than 30 digits: only those outside are looked at.
_SAFE = 1e29


class _Where:
    """Turn a position in the sheet's flattened cells into its reference (`B7`)."""

    def __init__(self, starts: list[int], origin: tuple[int, int]):
        self.starts, self.origin = starts, origin

    def __call__(self, position: int) -> str:
        row = bisect_right(self.starts, position) - 1
        column = position - self.starts[row]
        return f"{column_letters(self.origin[1] + column)}{self.origin[0] + row + 1}"


def explain_cells(rows: list[list[object]], origin: tuple[int, int], flat: list, kinds: set[type],
                  distinct: Counter, written: dict, counted: dict[str, int]) -> dict:
    """Return, for one sheet, the listed cells of each kind and how many there are in all.

    `written` maps text cells holding one value (`25%`, `2024-05-01`) to that value; a CSV file's rows hold
    such values already (WrittenNumber, WrittenDate cells). `counted` is the sheet's count of cells by kind
    (SheetFacts.cells), which already says how many values count nothing.
    """
    where = _Where(list(accumulate(map(len, rows), initial=0)), origin)
    texts = list(set(filter(_DIGIT.search, distinct)).difference(written)) if distinct else []
    left_out = counted.get("boolean", 0) + counted.get("date", 0) + counted.get("skipped", 0)
    return {
        "text": _listed(flat, set(texts), sum(map(distinct.__getitem__, texts)), where, _text_entry),
        "values": _values(flat, kinds, distinct, written, where),
        "left_out": _left_out(flat, kinds, written, left_out, counted.get("skipped", 0) > 0, where),
    }


def _values(flat: list, kinds: set[type], distinct: Counter, written: dict, where: _Where) -> dict:
    """List the text cells read as one number (`25%` is 0.25, `$1,234.50` is 1234.50)."""
    if WrittenNumber in kinds:  # a CSV file: its fields were read as they came
        wanted = list(map(operator.is_, map(type, flat), repeat(WrittenNumber)))
        found = list(islice(compress(count(), wanted), MAX_LISTED))
        return {"count": sum(wanted), "cells": [_value_entry(where(p), flat[p]) for p in found]}
    values = [t for t, v in written.items() if type(v) is WrittenNumber]
    return _listed(flat, set(values), sum(map(distinct.__getitem__, values)), where,
                   lambda ref, text: _value_entry(ref, written[text]))


def _positions(flat: list, wanted) -> list[int]:
    """Return the first MAX_LISTED positions whose cell `wanted` accepts (a C-level predicate)."""
    return list(islice(compress(count(), map(wanted, flat)), MAX_LISTED))


def _listed(flat: list, wanted: set, total: int, where: _Where, entry) -> dict:
    if not wanted:
        return {"count": 0, "cells": []}
    return {"count": total, "cells": [entry(where(p), flat[p]) for p in _positions(flat, wanted.__contains__)]}


def _text_entry(ref: str, text: str) -> dict:
    kept, skipped = written_numbers(find_numbers(text))
    return {"cell": ref, "text": _short(text), "numbers": kept[:MAX_NUMBERS], "more": max(len(kept) - MAX_NUMBERS, 0),
            "skipped": skipped}


def _value_entry(ref: str, value: WrittenNumber) -> dict:
    if too_long(value.value):
        return {"cell": ref, "text": _short(value.text), "value": "", "skipped": 1}
    return {"cell": ref, "text": _short(value.text), "value": display_number(value.value)}


def _left_out(flat: list, kinds: set[type], written: dict, total: int, unholdable: bool, where: _Where) -> dict:
    """List the first cells that count nothing although they hold a value, with why (one lazy pass, stopped early)."""
    if not total:
        return {"count": 0, "cells": []}
    predicates = []
    dates = {t for t, v in written.items() if type(v) is WrittenDate}
    if dates:
        predicates.append(map(dates.__contains__, flat))
    left_out_types = _LEFT_OUT_TYPES | {WrittenDate}
    if kinds & left_out_types:
        predicates.append(map(left_out_types.__contains__, map(type, flat)))
    numbers = _unholdable(flat, kinds, written) if unholdable else set()
    if numbers:
        predicates.append(map(numbers.__contains__, flat))
    if not predicates:
        return {"count": total, "cells": []}
    wanted = predicates[0]
    for more in predicates[1:]:
        wanted = map(operator.or_, wanted, more)
    found = list(islice(compress(count(), wanted), MAX_LISTED))
    return {"count": total, "cells": [_left_out_entry(where(p), flat[p], flat[p] in numbers) for p in found]}


def _unholdable(flat: list, kinds: set[type], written: dict) -> set:
    """Return the numeric cells no total can hold (infinite, not a number, longer than 30 digits), and the text
    cells holding such a number as their one value (`1E+400`)."""
    found: set = {t for t, v in written.items() if type(v) is WrittenNumber and too_long(v.value)}
    if WrittenNumber in kinds:  # a CSV file's fields
        found.update(v for v in compress(flat, map(operator.is_, map(type, flat), repeat(WrittenNumber)))
                     if too_long(v.value))
    for kind in (float, int):
        if kind not in kinds:
            continue
        numbers = list(compress(flat, map(isinstance, flat, repeat(kind))))
        if kind is int:
            numbers = [n for n in numbers if type(n) is int]  # not booleans, which are ints too
        if kind is float and math.isfinite(sum(numbers)) and -_SAFE < min(numbers, default=0) and \
                max(numbers, default=0) < _SAFE:
            continue
        found.update(n for n in numbers if not (-_SAFE < n < _SAFE) and _too_long(n))
    return found


def _too_long(number: float | int) -> bool:
    return isinstance(number, float) and not math.isfinite(number) or too_long(Decimal(repr(number)))


def _left_out_entry(ref: str, value: object, unholdable: bool) -> dict:
    if type(value) is bool:
        return {"cell": ref, "text": "TRUE" if value else "FALSE", "why": "true/false"}
    if isinstance(value, dt.timedelta):
        return {"cell": ref, "text": duration_text(value), "why": "duration"}
    if isinstance(value, dt.time):
        return {"cell": ref, "text": value.isoformat(), "why": "time"}
    if isinstance(value, (dt.date, dt.datetime)):
        return {"cell": ref, "text": str(value), "why": "date"}
    if isinstance(value, (str, WrittenDate, WrittenNumber)):
        why = "no total can hold it" if unholdable else "date or time written as text"
        return {"cell": ref, "text": _short(getattr(value, "text", value)), "why": why}
    return {"cell": ref, "text": _short(repr(value)), "why": "no total can hold it"}


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
