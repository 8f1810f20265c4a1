"""Compute the formulas a workbook's writer never computed, with the `formulas` engine, where it can.

Writers such as openpyxl and xlsxwriter store a formula without its result (or with 0) and ask Excel to
calculate on opening. Such a formula would silently count nothing. Here each one is computed, the cells it
refers to read from the sheets (and computed first when they are such formulas too), and the value goes
into its cell as if the writer had saved it. A formula is left uncomputed, and counts nothing, when it uses
a function the engine lacks, a function whose value changes each time (RAND, TODAY, INDIRECT), a name, another
workbook, or itself; the reasons are kept so the page can say so. Only workbooks that need it load this
module: the engine (numpy, scipy) is slow to import.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import formulas
import numpy as np
import schedula
from formulas.functions import get_functions
from formulas.tokens.operand import XlError
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from webapp.workbook.cellref import column_letters
from webapp.workbook.numbers import display_number, exact_decimal
from webapp.workbook.readers import SheetRows

MAX_FORMULAS = 10_000  # computed per workbook; each takes a millisecond or more
SHOWN_CELLS = 50  # computed cells listed on the page, per sheet
VOLATILE = {"RAND", "RANDBETWEEN", "RANDARRAY", "NOW", "TODAY", "INDIRECT", "OFFSET", "CELL", "INFO"}
_FUNCTION = re.compile(r"([A-Z_][A-Z0-9._]*)\s*\(")
_EPOCH = dt.datetime(1899, 12, 30)


class NotComputable(Exception):
    """A formula the app cannot compute; the message says why, for the page."""


@dataclass
class FormulaOutcome:
    """What happened to one sheet's uncomputed formulas."""

    computed: list[tuple[str, str]] = field(default_factory=list)
    not_computed: int = 0
    problems: set[str] = field(default_factory=set)

    def apply(self, facts) -> None:
        """Record the outcome on the sheet's facts."""
        facts.formulas_computed = len(self.computed)
        facts.computed_cells = [{"cell": cell, "value": value} for cell, value in self.computed[:SHOWN_CELLS]]
        facts.formulas_not_computed = self.not_computed
        facts.formula_problems = sorted(self.problems)[:10]


def recalculate(path: Path, sheets: list[SheetRows], full_calc_on_load: bool) -> dict[str, FormulaOutcome]:
    """Compute every formula left without a result, in place in `sheets`; return each sheet's outcome."""
    book = _Book(sheets, _formula_cells(path), full_calc_on_load)
    for sheet in sheets:
        for row, column in list(book.formulas.get(sheet.name, {})):
            if book.uncomputed(sheet.name, row, column):
                try:
                    book.settle(sheet.name, row, column)
                except NotComputable:
                    pass  # recorded on the sheet's outcome; the cell counts nothing
    return book.outcomes


def _formula_cells(path: Path) -> dict[str, dict[tuple[int, int], object]]:
    """Return each sheet's formulas by 0-based (row, column), shared formulas written out (openpyxl does it)."""
    # A stream, not the path: openpyxl judges a path by its extension, and stored files have none.
    handle = open(path, "rb")  # noqa: SIM115 - read-only workbooks read from it until closed below
    workbook = load_workbook(handle, read_only=True, data_only=False)
    try:
        found = {}
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()
            found[sheet.title] = {
                (cell.row - 1, cell.column - 1): cell.value
                for row in sheet.iter_rows()
                for cell in row
                if cell.data_type == "f"
            }
        return found
    finally:
        workbook.close()
        handle.close()


class _Book:
    """The sheets' values, their formulas, and the formulas computed so far."""

    def __init__(self, sheets: list[SheetRows], formulas_by_sheet: dict, full_calc_on_load: bool):
        self.sheets = {sheet.name: sheet for sheet in sheets}
        self.by_upper = {sheet.name.upper(): sheet.name for sheet in sheets}
        self.formulas = formulas_by_sheet
        self.full_calc = full_calc_on_load
        self.settled: dict[tuple[str, int, int], object] = {}
        self.pending: set[tuple[str, int, int]] = set()
        self.outcomes = {sheet.name: FormulaOutcome() for sheet in sheets}
        self.supported = set(get_functions())

    def uncomputed(self, sheet: str, row: int, column: int) -> bool:
        """Tell whether a formula cell holds no result of its own (or the placeholder 0 of a writer)."""
        value = _cell(self.sheets[sheet], row, column)
        return value in (None, "") or (self.full_calc and type(value) in (float, int) and value == 0)

    def settle(self, sheet: str, row: int, column: int) -> object:
        """Compute one formula (once), put its value in its cell and record it; raise NotComputable if it cannot."""
        key = (sheet, row, column)
        if key in self.settled:
            return self._known(key)
        outcome = self.outcomes[sheet]
        try:
            if key in self.pending:
                raise NotComputable("a formula refers to its own cell")
            self.pending.add(key)
            value = self._compute(sheet, self.formulas[sheet][row, column])
        except NotComputable as exc:
            self.settled[key] = exc
            outcome.not_computed += 1
            outcome.problems.add(str(exc))
            _put(self.sheets[sheet], row, column, "")
            raise
        finally:
            self.pending.discard(key)
        self.settled[key] = value
        _put(self.sheets[sheet], row, column, value)
        outcome.computed.append((f"{column_letters(column)}{row + 1}", _shown(value)))
        return value

    def _known(self, key):
        value = self.settled[key]
        if isinstance(value, NotComputable):
            raise NotComputable(str(value))
        return value

    def _compute(self, sheet: str, formula: object) -> object:
        if not isinstance(formula, str):
            raise NotComputable("array formulas are not calculated by the app")
        if sum(len(o.computed) for o in self.outcomes.values()) >= MAX_FORMULAS:
            raise NotComputable(f"the app calculates at most {MAX_FORMULAS:,} formulas per file")
        names = set(_FUNCTION.findall(formula.upper()))
        if names & VOLATILE:
            raise NotComputable(f"{min(names & VOLATILE)} gives a different value each time it is calculated")
        if names - self.supported:
            raise NotComputable(f"{min(names - self.supported)} is a function the app cannot calculate")
        try:
            compiled = formulas.Parser().ast(formula)[1].compile()
        except Exception as exc:  # the engine's parser on text from the file: any failure means it cannot
            raise NotComputable("a formula the app cannot read") from exc
        arguments = [self._range(sheet, reference) for reference in compiled.inputs]
        try:
            return _plain(compiled(*arguments))
        except Exception as exc:  # an unsupported case inside a supported function
            raise NotComputable("a formula the app cannot calculate") from exc

    def _range(self, sheet: str, reference: str) -> object:
        """Return the engine's input for a reference: one value, or a 2-D array for a range."""
        name, _, cells = reference.rpartition("!")
        if name:
            if name.startswith("["):
                raise NotComputable("a formula refers to another workbook")
            sheet = self.by_upper.get(name.strip("'").replace("''", "'"))
            if sheet is None:
                raise NotComputable("a formula refers to a sheet that is not in the file")
        try:
            first_column, first_row, last_column, last_row = range_boundaries(cells)
        except ValueError as exc:
            raise NotComputable("a formula refers to a name, which the app does not calculate") from exc
        rows = self.sheets[sheet]
        last_row = last_row or rows.origin[0] + len(rows.rows)
        last_column = last_column or rows.origin[1] + max(map(len, rows.rows), default=0)
        if (first_row, first_column) == (last_row, last_column) and ":" not in cells:
            return self._input(sheet, first_row - 1, first_column - 1)
        values = np.empty((last_row - (first_row or 1) + 1, last_column - (first_column or 1) + 1), dtype=object)
        for r in range(values.shape[0]):
            for c in range(values.shape[1]):
                values[r, c] = self._input(sheet, (first_row or 1) - 1 + r, (first_column or 1) - 1 + c)
        return values

    def _input(self, sheet: str, row: int, column: int) -> object:
        if (row, column) in self.formulas.get(sheet, {}) and self.uncomputed(sheet, row, column):
            value = self.settle(sheet, row, column)
        else:
            value = _cell(self.sheets[sheet], row, column)
        return _engine_value(value)


def _cell(sheet: SheetRows, row: int, column: int) -> object:
    r, c = row - sheet.origin[0], column - sheet.origin[1]
    if 0 <= r < len(sheet.rows) and 0 <= c < len(sheet.rows[r]):
        return sheet.rows[r][c]
    return None


def _put(sheet: SheetRows, row: int, column: int, value: object) -> None:
    """Write a value into a sheet's grid, growing the grid when the cell lies outside it."""
    top, left = sheet.origin
    if sheet.rows and (row < top or column < left):
        shift_rows, shift_columns = max(top - row, 0), max(left - column, 0)
        width = max(map(len, sheet.rows))
        sheet.rows[:0] = [[""] * width for _ in range(shift_rows)]
        sheet.rows[:] = [[""] * shift_columns + r for r in sheet.rows]
        sheet.origin = top, left = (top - shift_rows, left - shift_columns)
    elif not sheet.rows:
        sheet.origin = top, left = (row, column)
    r, c = row - top, column - left
    while len(sheet.rows) <= r:
        sheet.rows.append([])
    width = max(max(map(len, sheet.rows)), c + 1)
    for line in sheet.rows:  # keep the grid rectangular, as calamine gives it
        line.extend([""] * (width - len(line)))
    sheet.rows[r][c] = value


def _engine_value(value: object) -> object:
    """Turn a cell value into what the engine computes with (dates as Excel's day numbers)."""
    if value is None or value == "":
        return schedula.EMPTY
    if isinstance(value, dt.datetime):
        return (value - _EPOCH).total_seconds() / 86400
    if isinstance(value, dt.date):
        return float((dt.datetime(value.year, value.month, value.day) - _EPOCH).days)
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400
    return value


def _plain(result: object) -> object:
    """Turn the engine's answer into a cell value: a float, a boolean, a text or an error's text."""
    values = np.asarray(result, dtype=object).ravel()
    if values.size != 1:
        raise NotComputable("a formula that gives several values (an array) is not calculated by the app")
    value = values[0]
    if isinstance(value, XlError):
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if value is schedula.EMPTY:
        return 0.0
    return str(value)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        exact = exact_decimal(value)
        return display_number(exact) if exact is not None else str(value)
    return str(value)
