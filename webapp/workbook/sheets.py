"""Turn one sheet's cells into searchable text, exact sums and counts, fast enough for millions of cells.

The text keeps the sheet's grid so a search hit can be traced back to its cell: one line per row of the
sheet's used range (empty rows give empty lines) and one tab-separated field per column (empty cells give
empty fields, trailing ones are dropped). `origin` is the range's first cell, so line i, field j is the
cell at row origin[0] + i, column origin[1] + j (0-based).

Most sheets go through a fast path made of C-level passes (map/compress/join/regex) instead of a Python
loop per cell; anything unusual (integers, non-finite or huge numbers, control characters, very long
text) takes the plain per-cell path. Both give the same result (tests compare them).
"""

import datetime as dt
import math
import operator
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from itertools import chain, compress, repeat

from webapp.workbook.explain import explain_cells
from webapp.workbook.numbers import EXACT, display_number, exact_sum, find_numbers, plain_number, too_long, written_numbers
from webapp.workbook.written import WrittenDate, WrittenNumber, duration_text, written_cells

# Excel's own limit for one cell; longer text is cut for search (its numbers still count).
MAX_CELL_CHARS = 32_767

# Control characters (tabs and newlines included) would break the grid and must not collide with
# highlight sentinels; in cell text they become spaces.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TRUE = re.compile(r"T(?<![^\t\n]T)rue(?![^\t\n])")
_FALSE = re.compile(r"F(?<![^\t\n]F)alse(?![^\t\n])")
# Numbers a search would type differently: grouped thousands, leading zeros, trailing decimal zeros, -0, an
# exponent, a leading point, digits of another script. One number per line; most branches start with a plain
# character so the scan can skip ahead.
_NON_CANONICAL = re.compile(r",|0(?<![\d.]0)\d|\.\d*0$|-0(?![.\d])|-0\.0*$|[eE]|^-?\.|[^\x00-\x7f]", re.MULTILINE)
_DATES = (dt.date, dt.datetime, dt.time)
# Durations take the plain path: str() writes `12 days, 0:00:00` where a spreadsheet shows `288:00:00`.
_FAST_TYPES = {str, float, bool, *_DATES}


@dataclass
class SheetFacts:
    """What one sheet contributed, so a total can be explained and a hit located."""

    name: str
    numeric_sum: Decimal = Decimal(0)
    text_sum: Decimal = Decimal(0)
    cells: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    formulas_without_value: int = 0
    formulas_computed: int = 0
    computed_cells: list[dict] = field(default_factory=list)
    formulas_not_computed: int = 0
    formula_problems: list[str] = field(default_factory=list)
    cut_cells: int = 0
    origin: tuple[int, int] = (0, 0)
    first_line: int = 0

    def as_dict(self) -> dict:
        """Return the facts as JSON-ready values (decimals as strings)."""
        return {
            "name": self.name,
            "numeric_sum": display_number(self.numeric_sum),
            "text_sum": display_number(self.text_sum),
            "total": display_number(EXACT.add(self.numeric_sum, self.text_sum)),
            "cells": {kind: n for kind, n in sorted(self.cells.items()) if n},
            "skipped_numbers": self.skipped,
            "formulas_without_value": self.formulas_without_value,
            "formulas_computed": self.formulas_computed,
            "computed_cells": self.computed_cells,
            "formulas_not_computed": self.formulas_not_computed,
            "formula_problems": self.formula_problems,
            "cut_cells": self.cut_cells,
            "origin": list(self.origin),
            "first_line": self.first_line,
        }


# The corner of each sheet kept for its preview.
CORNER_ROWS = 20
CORNER_COLUMNS = 15


@dataclass
class SheetText:
    """One sheet read: its facts, its grid text, canonical forms of numbers its text writes otherwise, the cells
    behind its total (explain.py) and its top-left corner as read, for the preview."""

    facts: SheetFacts
    text: str
    numbers: set[str]
    cells: dict = field(default_factory=dict)
    corner: list[list[object]] = field(default_factory=list)
    more_rows: bool = False
    more_columns: bool = False


def read_sheet(name: str, rows: list[list[object]], origin: tuple[int, int] = (0, 0)) -> SheetText:
    """Read one sheet's rows (values as python-calamine returns them) into text, sums and counts."""
    facts = SheetFacts(name=name, origin=origin)
    flat, kinds, strings, distinct = _cells(rows)
    written = written_cells(distinct)
    original = rows, flat, kinds, distinct
    corner = [row[:CORNER_COLUMNS] for row in rows[:CORNER_ROWS]]
    wide = max(map(len, rows), default=0) > CORNER_COLUMNS
    if written:  # text cells that hold only a date, a percentage, an amount: they count as that value
        rows = [[written.get(value, value) if type(value) is str else value for value in row] for row in rows]
        flat, kinds, strings, distinct = _cells(rows)
    with localcontext(EXACT):
        numbers = _count_text(facts, distinct)
        fits = _fast_path_fits(rows, kinds, distinct)
        text = _fast_text(facts, rows, flat, kinds, len(strings)) if fits else None
        if text is None:
            text = _plain_text(facts, rows, numbers)
    facts.cells["text"] = len(strings) - distinct[""]
    cells = explain_cells(original[0], origin, *original[1:], written, facts.cells)
    return SheetText(facts, text, numbers, cells, corner, len(rows) > CORNER_ROWS, wide)


def _cells(rows: list[list[object]]) -> tuple[list, set[type], list[str], Counter]:
    """Return the sheet's cells in one list, their kinds, its text cells, and each distinct text's count."""
    flat = list(chain.from_iterable(rows))
    strings = list(compress(flat, map(isinstance, flat, repeat(str))))
    # Text cells repeat (that is why workbooks share strings): each distinct text is read once.
    return flat, set(map(type, flat)), strings, Counter(strings)


def _count_text(facts: SheetFacts, distinct: Counter) -> set[str]:
    """Sum the numbers written in text cells; return canonical forms of those written non-canonically."""
    by_times: dict[int, list[str]] = defaultdict(list)
    for text, times in distinct.items():
        by_times[times].append(text)
    written: list[str] = []
    total = Decimal(0)
    for times, texts in by_times.items():
        # Cells are joined with spaces: a space ends a number and starts a sign exactly like a cell edge does.
        found = find_numbers(" ".join(texts))
        kept, skipped = written_numbers(found)
        total += exact_sum(kept) * times
        facts.skipped += skipped * times
        written += found
    facts.text_sum = total
    canonical: set[str] = set()
    if not _NON_CANONICAL.search("\n".join(written)):
        return canonical  # every number is already written the way a search for it is typed
    for number in set(written):
        shown = plain_number(number)
        if shown is not None and shown != number:
            canonical.add(shown)
    return canonical


def _fast_path_fits(rows, kinds: set[type], distinct: Counter) -> bool:
    if not kinds <= _FAST_TYPES or len(set(map(len, rows))) > 1:
        return False
    joined = " ".join(distinct)
    if distinct and (_CONTROL.search(joined) or max(map(len, distinct)) > MAX_CELL_CHARS):
        return False
    # The fast path turns `28665.0` into `28665` with a regex: no text cell may end in `.0`.
    if ".0 " in joined or joined.endswith(".0"):
        return False
    return not (bool in kinds and ("True" in distinct or "False" in distinct))


def _fast_text(facts: SheetFacts, rows, flat: list, kinds: set[type], strings: int) -> str | None:
    """Return the sheet's text with C-level passes only, or None when a number needs the plain path."""
    is_float = list(map(isinstance, flat, repeat(float)))
    floats = list(compress(flat, is_float))
    # Non-finite numbers turn the sum to inf or nan; repr writes numbers past 1e16 with an exponent.
    if floats and not (math.isfinite(sum(floats)) and -1e16 < min(floats) and max(floats) < 1e16):
        return None
    shown = list(map(str, flat))
    whole = list(map(float.is_integer, floats))
    fractions = list(compress(compress(shown, is_float), map(operator.not_, whole)))
    if "e" in "".join(fractions):  # tiny numbers are written 1e-05: the plain path spells them out
        return None
    facts.numeric_sum = Decimal(sum(map(int, compress(floats, whole)))) + sum(map(Decimal, fractions), Decimal(0))
    booleans = sum(map(isinstance, flat, repeat(bool))) if bool in kinds else 0
    dates = len(flat) - len(floats) - strings - booleans  # the fast path holds no other kinds
    facts.cells.update(number=len(floats), boolean=booleans, date=dates)
    width = len(rows[0]) if rows else 0
    if not width:
        return "\n" * max(len(rows) - 1, 0)
    size = len(shown)
    lines = map("\t".join, map(shown.__getitem__, map(slice, range(0, size, width), range(width, size + width, width))))
    text = _whole_numbers_plain("\n".join(map(str.rstrip, lines, repeat("\t"))))
    if booleans:
        text = _FALSE.sub("FALSE", _TRUE.sub("TRUE", text))
    return text


def _whole_numbers_plain(text: str) -> str:
    """Write `28665.0` as `28665`: only numbers end a field with `.0` here (text cells that do take the plain path)."""
    text = text.replace(".0\t", "\t").replace(".0\n", "\n")
    return text[:-2] if text.endswith(".0") else text


def _plain_text(facts: SheetFacts, rows, numbers: set[str]) -> str:
    values: list[Decimal] = []
    lines = []
    for row in rows:
        lines.append("\t".join([_cell_text(value, facts, values, numbers) for value in row]).rstrip("\t"))
    facts.numeric_sum = sum(values, Decimal(0))
    return "\n".join(lines)


def _cell_text(value: object, facts: SheetFacts, values: list[Decimal], numbers: set[str]) -> str:
    """Count one cell and return its text as a user sees it."""
    kind = type(value)
    if kind is str:
        return _clean(value, facts) if value else ""
    if value is None:
        return ""
    if kind is bool:
        _count(facts, "boolean")
        return "TRUE" if value else "FALSE"
    if kind is float or kind is int:
        return _number_text(value, facts, values)
    if kind is WrittenNumber:
        return _written_number_text(value, facts, values, numbers)
    if kind is WrittenDate:
        _count(facts, "date")
        return _CONTROL.sub(" ", value.text)
    if isinstance(value, _DATES):
        _count(facts, "date")
        return str(value)
    if isinstance(value, dt.timedelta):
        _count(facts, "date")
        return duration_text(value)
    _count(facts, "other")
    return _clean(str(value), facts)


def _number_text(value: float | int, facts: SheetFacts, values: list[Decimal]) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        _count(facts, "skipped")
        facts.skipped += 1
        return ""
    shown = repr(value)
    exact = Decimal(shown)
    if too_long(exact):
        _count(facts, "skipped")
        facts.skipped += 1
        return ""
    _count(facts, "number")
    values.append(exact)
    if "e" in shown:
        return display_number(exact)
    return shown[:-2] if shown.endswith(".0") else shown


def _written_number_text(value: WrittenNumber, facts: SheetFacts, values: list[Decimal], numbers: set[str]) -> str:
    if too_long(value.value):
        _count(facts, "skipped")
        facts.skipped += 1
    else:
        _count(facts, "number")
        values.append(value.value)
        shown = display_number(value.value)
        if shown != value.text:
            numbers.add(shown)
    return _CONTROL.sub(" ", value.text)


def _clean(text: str, facts: SheetFacts) -> str:
    if len(text) > MAX_CELL_CHARS:
        facts.cut_cells += 1
        text = text[:MAX_CELL_CHARS]
    return _CONTROL.sub(" ", text)


def _count(facts: SheetFacts, kind: str) -> None:
    facts.cells[kind] = facts.cells.get(kind, 0) + 1
