"""How much one workbook may hold, and the error that refuses a workbook with a reason for the user."""

from dataclasses import dataclass

from webapp.workbook.wording import Said, said

PASSWORD_PROTECTED = said(
    "This workbook is password-protected. Remove the password in your spreadsheet program and upload it again.")
DAMAGED = said("This file could not be read as a workbook: it may be damaged.")
DAMAGED_INSIDE = said("This workbook is damaged and could not be read to the end.")


class ExtractionError(Exception):
    """A workbook that cannot be read; its Said (args[0]) is shown to the user, in the page's language."""


@dataclass(frozen=True)
class Limits:
    """How much one workbook may hold before it is refused (each refusal names its limit).

    The defaults are the app's defaults; the worker passes the configured ones (Config).
    """

    max_unzipped_bytes: int = 500 * 2**20
    max_cells: int = 10_000_000
    max_sheets: int = 2_000


def too_many_sheets(count: int, limits: Limits) -> Said:
    """Say that a workbook has more sheets than may be read."""
    return said("This workbook has %(count)s sheets; at most %(limit)s sheets per workbook can be read.",
                count=count, limit=limits.max_sheets)


def too_many_cells(limits: Limits, sheet: str) -> Said:
    """Say that a workbook holds more cells than may be read, and where the limit was reached."""
    return said("This workbook has more than %(limit)s cells (reached in sheet “%(sheet)s”), the limit for one workbook.",
                limit=limits.max_cells, sheet=sheet)


def too_wide_a_grid(limits: Limits, sheet: str, rows: int, columns: int) -> Said:
    """Say that a sheet's cells lie so far apart that laying them out passes the cell limit."""
    return said("This workbook spans more than %(limit)s cells: sheet “%(sheet)s” holds cells %(rows)s rows and "
                "%(columns)s columns apart, and the grid between them passes the limit for one workbook.",
                limit=limits.max_cells, sheet=sheet, rows=rows, columns=columns)
