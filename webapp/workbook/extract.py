"""Read a workbook into searchable text, an exact sum and per-sheet facts (pure Python: no Flask, no database)."""

import gc
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal, localcontext
from os import PathLike
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from webapp.workbook.archive import ArchiveFacts, UnsafeArchive, check_archive, count_formulas_without_value
from webapp.workbook.csvfile import UnreadableCsv, read_csv
from webapp.workbook.numbers import EXACT
from webapp.workbook.sheets import SheetFacts, SheetText, read_sheet
from webapp.workbook.sniff import NotAWorkbook, PasswordProtected, Sniffed, sniff

__all__ = ["Extraction", "ExtractionError", "Limits", "SheetFacts", "extract"]

PASSWORD_PROTECTED = "This workbook is password-protected. Remove the password in your spreadsheet program and upload it again."
DAMAGED = "This file could not be read as a workbook: it may be damaged."


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


@dataclass
class Extraction:
    """The result of reading one workbook."""

    text: str
    total: Decimal
    numbers: str
    sheets: list[SheetFacts]
    kind: str = "xlsx"

    @property
    def skipped(self) -> int:
        """Count numbers left out of the total (non-finite or absurdly long)."""
        return sum(s.skipped for s in self.sheets)

    @property
    def formulas_without_value(self) -> int:
        """Count formula cells the file never computed, which count 0."""
        return sum(s.formulas_without_value for s in self.sheets)

    def breakdown(self) -> dict:
        """Return the per-sheet explanation of the total, ready for a JSON column."""
        return {
            "format": self.kind,
            "sheets": [s.as_dict() for s in self.sheets],
            "skipped_numbers": self.skipped,
            "formulas_without_value": self.formulas_without_value,
            "cut_cells": sum(s.cut_cells for s in self.sheets),
        }


def extract(path: str | PathLike, limits: Limits | None = None) -> Extraction:
    """Read every sheet of the workbook at `path`; raise ExtractionError when it cannot or may not be read."""
    path = Path(path)
    limits = limits or Limits()
    try:
        sniffed = sniff(path)
        if sniffed.kind == "csv":
            return _assemble([read_csv(path, sniffed, limits.max_cells)], sniffed)
        facts = check_archive(path, sniffed.kind, limits.max_unzipped_bytes) if sniffed.is_zip else ArchiveFacts()
    except PasswordProtected as exc:
        raise ExtractionError(PASSWORD_PROTECTED) from exc
    except (NotAWorkbook, UnsafeArchive) as exc:
        raise ExtractionError(f"This file {exc}.") from exc
    except UnreadableCsv as exc:
        raise ExtractionError(str(exc)) from exc
    _check_declared_size(facts, limits)
    enabled = gc.isenabled()
    gc.disable()  # millions of short-lived cell values and no reference cycles: collections only cost time
    try:
        return _assemble(_read_workbook(path, facts, limits), sniffed)
    finally:
        if enabled:
            gc.enable()


def _check_declared_size(facts: ArchiveFacts, limits: Limits) -> None:
    if len(facts.sheets) > limits.max_sheets:
        raise ExtractionError(_too_many_sheets(len(facts.sheets), limits))
    declared = sum(sheet.declared_cells for sheet in facts.sheets)
    if declared > limits.max_cells:
        biggest = max(facts.sheets, key=lambda sheet: sheet.declared_cells)
        raise ExtractionError(
            f"This workbook spans {declared:,} cells (sheet “{biggest.name}” alone {biggest.declared_cells:,}); "
            f"at most {limits.max_cells:,} cells per workbook can be read."
        )


def _too_many_sheets(count: int, limits: Limits) -> str:
    return f"This workbook has {count:,} sheets; at most {limits.max_sheets:,} sheets per workbook can be read."


def _read_workbook(path: Path, facts: ArchiveFacts, limits: Limits) -> list[SheetText]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
    except PasswordError as exc:
        raise ExtractionError(PASSWORD_PROTECTED) from exc
    except (CalamineError, ValueError, OSError) as exc:
        raise ExtractionError(DAMAGED) from exc
    if len(names) > limits.max_sheets:
        raise ExtractionError(_too_many_sheets(len(names), limits))
    # python-calamine parses with the GIL released: the next sheet (and the formula scan) run on other
    # threads while this one turns cells into text and sums.
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="extract")
    try:
        formulas = pool.submit(count_formulas_without_value, path, [s.path for s in facts.sheets]) if facts.sheets else None
        read = _read_sheets(pool, workbook, names, limits)
        if formulas is not None:
            counts = dict(zip([s.name for s in facts.sheets], formulas.result(), strict=True))
            for sheet in read:
                sheet.facts.formulas_without_value = counts.get(sheet.facts.name, 0)
        return read
    except PasswordError as exc:
        raise ExtractionError(PASSWORD_PROTECTED) from exc
    except (CalamineError, ValueError, OSError, EOFError) as exc:
        raise ExtractionError("This workbook is damaged and could not be read to the end.") from exc
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _read_sheets(pool: ThreadPoolExecutor, workbook: CalamineWorkbook, names: list[str], limits: Limits) -> list[SheetText]:
    read: list[SheetText] = []
    cells = 0
    upcoming: Future | None = pool.submit(workbook.get_sheet_by_name, names[0]) if names else None
    for index, name in enumerate(names):
        sheet = upcoming.result()
        upcoming = pool.submit(workbook.get_sheet_by_name, names[index + 1]) if index + 1 < len(names) else None
        cells += sheet.height * sheet.width
        if cells > limits.max_cells:
            raise ExtractionError(
                f"This workbook has more than {limits.max_cells:,} cells (reached in sheet “{name}”), "
                "the limit for one workbook."
            )
        read.append(read_sheet(name, sheet.to_python(), tuple(sheet.start or (0, 0))))
    return read


def _assemble(read: list[SheetText], sniffed: Sniffed) -> Extraction:
    """Join the sheets' text (a line with the sheet name, then its rows) and add up their sums."""
    blocks = []
    numbers: set[str] = set()
    line = 0
    for sheet in read:
        sheet.facts.first_line = line + 1
        blocks.append(_one_line(sheet.facts.name) + "\n" + sheet.text)
        line += 2 + sheet.text.count("\n")
        numbers |= sheet.numbers
    with localcontext(EXACT):
        total = sum((s.facts.numeric_sum + s.facts.text_sum for s in read), Decimal(0))
    return Extraction("\n".join(blocks), total, " ".join(sorted(numbers)), [s.facts for s in read], sniffed.kind)


def _one_line(name: str) -> str:
    return " ".join(name.split())
