"""What an export holds: sheets of typed columns, and the rules that keep numbers exact and text inert."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp import names
from webapp.workbook.numbers import display_number

# A spreadsheet number is a binary double: at most 15 significant digits survive a round trip.
NUMBER_DIGITS = 15
# Headers, titles and total rows speak the export's language (the API's is English unless asked: `language`);
# values stay machine-readable. A number column's header says that a value a double cannot hold is exact text.
TOTAL_LABEL = _l("Total")
# OWASP CSV injection: a field starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

TEXT, NUMBER, COUNT, TIME = "text", "number", "count", "time"


@dataclass(frozen=True)
class Column:
    """One column: its header and what its values are (text, exact number, count or time)."""

    label: str  # a lazy string, written in the export's language
    kind: str = TEXT
    width: int = 18

    @property
    def header(self) -> str:
        """Return the header cell, which warns that an exact number column may hold text."""
        if self.kind == NUMBER:
            return _("%(label)s (exact; text where a number cell would round it)", label=self.label)
        return str(self.label)


@dataclass
class Sheet:
    """A titled table whose rows are produced while it is written, then an optional total row."""

    title: str  # a lazy string, like the columns' labels
    columns: list[Column]
    rows: Iterable[Sequence]
    # Called once every row is written: the app's own total row (never a formula), or None.
    footer: Callable[[], Sequence | None] = field(default=lambda: None)


@dataclass
class Export:
    """A download: its file name without extension, and its sheets (a CSV holds the first one)."""

    stem: str
    sheets: list[Sheet]


def number_cell(value: Decimal) -> float | str:
    """Return a float when a spreadsheet number holds exactly this decimal, else its exact text."""
    as_float = float(value)
    digits = len(value.normalize().as_tuple().digits)
    if digits <= NUMBER_DIGITS and Decimal(repr(as_float)) == value:
        return as_float + 0.0  # never -0.0
    return display_number(value)


def exact_text(value: Decimal) -> str:
    """Return a number as its exact decimal text, without float noise or exponents."""
    return display_number(value)


def shown_text(value: object) -> str:
    """Return a text value as the pages show it (no direction overrides); None is empty."""
    return "" if value is None else str(names.shown(str(value)))


def inert_csv_text(text: str) -> str:
    """Return text that no spreadsheet reads as a formula: a leading `=`, `+`, `-`, `@`, tab or CR gets a `'`."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_value(kind: str, value: object) -> str:
    """Return one CSV field: exact decimals, plain counts, ISO times, and inert text."""
    if value is None:
        return ""
    if kind == NUMBER:
        return exact_text(value)
    if kind == COUNT:
        return str(int(value))
    if kind == TIME:
        return _iso(value)
    return inert_csv_text(shown_text(value))


def _iso(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return value.isoformat()
