"""Read a workbook into searchable text, an exact sum and per-sheet facts (pure Python)."""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from os import PathLike

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from webapp.services.numbers import display_number, exact_decimal, numbers_in_text

# Control characters never belong in searchable text and must not collide with highlight sentinels.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class ExtractionError(Exception):
    """A workbook that cannot be read; the message is shown to the user as is."""


@dataclass
class SheetFacts:
    """What one sheet contributed, so a total can be explained."""

    name: str
    numeric_sum: Decimal = Decimal(0)
    text_sum: Decimal = Decimal(0)
    cells: dict[str, int] = field(default_factory=dict)
    skipped: int = 0

    def count(self, kind: str) -> None:
        """Count one cell of the given kind."""
        self.cells[kind] = self.cells.get(kind, 0) + 1

    def as_dict(self) -> dict:
        """Return the facts as JSON-ready values (decimals as strings)."""
        return {
            "name": self.name,
            "numeric_sum": display_number(self.numeric_sum),
            "text_sum": display_number(self.text_sum),
            "cells": dict(sorted(self.cells.items())),
            "skipped_numbers": self.skipped,
        }


@dataclass
class Extraction:
    """The result of reading one workbook."""

    text: str
    total: Decimal
    numbers: str
    sheets: list[SheetFacts]

    @property
    def skipped(self) -> int:
        """Count numbers left out of the total (non-finite or absurdly long)."""
        return sum(s.skipped for s in self.sheets)

    def breakdown(self) -> dict:
        """Return the per-sheet explanation of the total, ready for a JSON column."""
        return {"sheets": [s.as_dict() for s in self.sheets], "skipped_numbers": self.skipped}


def extract(path: str | PathLike) -> Extraction:
    """Read every sheet of the workbook at `path`; raise ExtractionError when it cannot be read."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError as exc:
        raise ExtractionError("This workbook is password-protected.") from exc
    except (CalamineError, ValueError, OSError) as exc:
        raise ExtractionError("This file could not be read as a workbook: it may be damaged.") from exc
    return _read_sheets(workbook)


def _read_sheets(workbook: CalamineWorkbook) -> Extraction:
    lines: list[str] = []
    numbers: set[str] = set()
    sheets: list[SheetFacts] = []
    try:
        for name in workbook.sheet_names:
            facts = SheetFacts(name=name)
            lines.append(_clean(name))
            for row in workbook.get_sheet_by_name(name).iter_rows():
                cells = [text for value in row if (text := _read_cell(value, facts, numbers))]
                if cells:
                    lines.append("\t".join(cells))
            sheets.append(facts)
    except PasswordError as exc:
        raise ExtractionError("This workbook is password-protected.") from exc
    except (CalamineError, ValueError) as exc:
        raise ExtractionError("This workbook is damaged and could not be read to the end.") from exc
    total = sum((s.numeric_sum + s.text_sum for s in sheets), Decimal(0))
    return Extraction("\n".join(lines), total, " ".join(sorted(numbers)), sheets)


def _read_cell(value: object, facts: SheetFacts, numbers: set[str]) -> str:
    """Add one cell to the sheet's facts and return its text as a user sees it."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        facts.count("boolean")
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return _read_number(value, facts, numbers)
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        facts.count("date")
        return value.isoformat() if not isinstance(value, dt.timedelta) else str(value)
    text = _clean(str(value))
    facts.count("text")
    found, skipped = numbers_in_text(text)
    facts.skipped += skipped
    for number in found:
        facts.text_sum += number
        numbers.add(display_number(number))
    return text


def _read_number(value: float | int, facts: SheetFacts, numbers: set[str]) -> str:
    exact = exact_decimal(value)
    if exact is None:
        facts.count("non_finite")
        facts.skipped += 1
        return ""
    facts.count("number")
    facts.numeric_sum += exact
    shown = display_number(exact)
    numbers.add(shown)
    return shown


def _clean(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()
