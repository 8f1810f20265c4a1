"""Read workbooks with python-calamine, the fast first reader: sheets parse on a second thread (the GIL is
released) while the one before is turned into text and sums."""

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from webapp.workbook.limits import (
    DAMAGED,
    DAMAGED_INSIDE,
    PASSWORD_PROTECTED,
    ExtractionError,
    Limits,
    too_many_sheets,
    too_wide_a_grid,
)
from webapp.workbook.readers import SheetRows
from webapp.workbook.sheets import SheetText, read_sheet
from webapp.workbook.written import iso_duration


class Refused(Exception):
    """python-calamine could not read the file; the message says how a user would put it."""


def read_sheets(pool: ThreadPoolExecutor, path: Path, kind: str, limits: Limits) -> list[SheetText]:
    """Read every sheet into text and sums; raise Refused when calamine cannot parse the file."""
    workbook, names = _open(path, limits)
    read: list[SheetText] = []
    grid = 0
    try:
        upcoming: Future | None = pool.submit(workbook.get_sheet_by_name, names[0]) if names else None
        for index, name in enumerate(names):
            sheet = upcoming.result()
            upcoming = pool.submit(workbook.get_sheet_by_name, names[index + 1]) if index + 1 < len(names) else None
            grid = _within_grid(grid, sheet, limits)
            read.append(read_sheet(name, _rows(sheet, kind), tuple(sheet.start or (0, 0))))
    except PasswordError as exc:
        raise ExtractionError(PASSWORD_PROTECTED) from exc
    except (CalamineError, ValueError, OSError, EOFError) as exc:
        raise Refused(DAMAGED_INSIDE) from exc
    return read


def raw_sheets(path: Path, kind: str, limits: Limits) -> list[SheetRows]:
    """Return every sheet's rows as values, all at once (for the rare workbook whose formulas need computing)."""
    workbook, names = _open(path, limits)
    sheets, grid = [], 0
    try:
        for name in names:
            sheet = workbook.get_sheet_by_name(name)
            grid = _within_grid(grid, sheet, limits)
            sheets.append(SheetRows(name, _rows(sheet, kind), tuple(sheet.start or (0, 0))))
    except (CalamineError, ValueError, OSError, EOFError) as exc:
        raise Refused(DAMAGED_INSIDE) from exc
    return sheets


def _open(path: Path, limits: Limits) -> tuple[CalamineWorkbook, list[str]]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
    except PasswordError as exc:
        raise ExtractionError(PASSWORD_PROTECTED) from exc
    except (CalamineError, ValueError, OSError) as exc:
        raise Refused(DAMAGED) from exc
    if len(names) > limits.max_sheets:
        raise ExtractionError(too_many_sheets(len(names), limits))
    return workbook, names


def _within_grid(grid: int, sheet, limits: Limits) -> int:
    """Add a sheet's grid (its used range, empty cells included) and refuse the workbook past the limit."""
    grid += sheet.height * sheet.width
    if grid > limits.max_cells:
        raise ExtractionError(too_wide_a_grid(limits, sheet.name, sheet.height, sheet.width))
    return grid


def _rows(sheet, kind: str) -> list[list[object]]:
    rows = sheet.to_python()
    return _ods_durations(rows) if kind == "ods" else rows


def _ods_durations(rows: list[list[object]]) -> list[list[object]]:
    """Turn the ISO durations calamine hands over as text (`PT288H00M00S`, a time cell) into durations."""
    found = {v for row in rows for v in row if type(v) is str and v.startswith(("P", "-P"))}
    durations = {text: duration for text in found if (duration := iso_duration(text)) is not None}
    if not durations:
        return rows
    return [[durations.get(v, v) if type(v) is str else v for v in row] for row in rows]
