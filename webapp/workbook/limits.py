"""How much one workbook may hold, and the error that refuses a workbook with a reason for the user."""

from dataclasses import dataclass

PASSWORD_PROTECTED = "This workbook is password-protected. Remove the password in your spreadsheet program and upload it again."
DAMAGED = "This file could not be read as a workbook: it may be damaged."
DAMAGED_INSIDE = "This workbook is damaged and could not be read to the end."


class ExtractionError(Exception):
    """A workbook that cannot be read; the message is shown to the user as is."""


@dataclass(frozen=True)
class Limits:
    """How much one workbook may hold before it is refused (each refusal names its limit).

    The defaults are the app's defaults; the worker passes the configured ones (Config).
    """

    max_unzipped_bytes: int = 500 * 2**20
    max_cells: int = 10_000_000
    max_sheets: int = 2_000


def too_many_sheets(count: int, limits: Limits) -> str:
    """Say that a workbook has more sheets than may be read."""
    return f"This workbook has {count:,} sheets; at most {limits.max_sheets:,} sheets per workbook can be read."


def too_many_cells(limits: Limits, sheet: str) -> str:
    """Say that a workbook holds more cells than may be read, and where the limit was reached."""
    return f"This workbook has more than {limits.max_cells:,} cells (reached in sheet “{sheet}”), the limit for one workbook."


def too_wide_a_grid(limits: Limits, sheet: str, rows: int, columns: int) -> str:
    """Say that a sheet's cells lie so far apart that laying them out passes the cell limit."""
    return (
        f"This workbook spans more than {limits.max_cells:,} cells: sheet “{sheet}” holds cells {rows:,} rows "
        f"and {columns:,} columns apart, and the grid between them passes the limit for one workbook."
    )
