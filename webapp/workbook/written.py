"""Cells that hold one value written as text: a date or time, a percentage, a currency amount, an accounting
negative, a number in scientific notation.

A CSV file is nothing but text, and workbooks hold text cells typed by hand or imported. When the whole cell
is one such value it counts as that value, the way the same cell counts in a workbook that stored it as a
number or a date: `25%` is 0.25, `(100)` is −100, `$1,234.50` and `1.234,50 €` are 1234.50, `1.23457E+15` is
one number, and a date, time or duration (`2024-05-01`, `01/05/2024`, `09:55:33`, `PT288H00M00S`) counts
nothing. Anything else is text, and the numbers inside it count by the text rules (numbers.py).
"""

import datetime as dt
import re
from decimal import Decimal
from typing import NamedTuple

from webapp.workbook.numbers import MINUS_SIGN, numbers_in_text

_SPACE = "[ \t\u00a0\u202f]"
# Currency signs people write beside amounts, the prefixed dollars, and the common ISO 4217 codes (`EUR 12.50`).
_CODES = "USD EUR GBP JPY CHF CNY INR AUD CAD NZD SEK NOK DKK PLN CZK HUF RUB BRL MXN ZAR KRW SGD HKD TRY ILS"
_CURRENCY = rf"(?:US\$|HK\$|NZ\$|[ACRS]\$|[$€£¥₹₩₽₺₪₫฿₱₴₦¢₡₲₵₸₭₮₼₾]|(?:{_CODES.replace(' ', '|')})(?![A-Za-z]))"
_NUMBER = r"\d[\d., \u00a0\u202f]*(?<![., \u00a0\u202f])(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?"
_AMOUNT = (
    rf"(?P<open>\()?{_SPACE}*(?P<sign>[-+])?{_SPACE}*(?:(?P<before>{_CURRENCY}){_SPACE}*)?(?P<sign2>[-+])?{_SPACE}*"
    rf"(?P<number>{_NUMBER}){_SPACE}*(?:(?P<after>{_CURRENCY})|(?P<percent>%))?{_SPACE}*(?P<close>\))?"
)
_AMOUNT_PARTS = re.compile(_AMOUNT)

_SCIENTIFIC = re.compile(r"(?:\d+(?:\.\d+)?|\.\d+)[eE][+-]?\d+")
_SCIENTIFIC_COMMA = re.compile(r"\d+,\d+[eE][+-]?\d+")  # how a decimal-comma locale exports 1500: 1,5E+3
_POINT = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+")
_PLAIN = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_COMMA = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+")
# Read with a decimal comma wherever they appear: no reading with a decimal point fits them.
_GROUPED_COMMA = re.compile(r"\d{1,3}(?:\.\d{3})+,\d+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?")
# Beside a currency sign or a percent sign, a comma before one or two digits is a decimal comma (`12,50 €`).
_MARKED_COMMA = re.compile(r"\d+,\d{1,2}")

_MONTH = r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_TIME = r"\d+:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:" + _SPACE + r"?(?i:[ap]\.?m\.?))?"
_DAY_MONTH_YEAR = "|".join(rf"\d{{1,2}}{s}\d{{1,2}}{s}(?:\d{{4}}|\d{{2}})" for s in ("/", r"\.", "-"))
_DATE = (
    rf"\d{{4}}-\d{{2}}-\d{{2}}|\d{{4}}[/.]\d{{1,2}}[/.]\d{{1,2}}|{_DAY_MONTH_YEAR}"
    rf"|\d{{1,2}}[- ]{_MONTH}(?:[-, ]+\d{{2,4}})?|{_MONTH} \d{{1,2}}(?:,? \d{{4}})?|{_MONTH}[- ]\d{{4}}|{_MONTH}-\d{{2}}"
)
_ZONE = r"(?:Z|[+-]\d{2}:?\d{2})?"
_ISO_DURATION = r"-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:[.,]\d+)?S)?)?"
_WHEN = rf"(?:{_DATE})(?:(?:T|{_SPACE}+){_TIME}{_ZONE})?|{_TIME}|{_ISO_DURATION}"
_WHEN_ONLY = re.compile(_WHEN)
_DURATION_PARTS = re.compile(
    r"(-?)P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?"
)
# Any line that may be one of the values above; an exact reading follows for each (most lines fail at once).
_CANDIDATE = re.compile(
    rf"^{_SPACE}*(?:{_WHEN}|\(?{_SPACE}*[-+]?{_SPACE}*(?:{_CURRENCY}{_SPACE}*)?[-+]?{_SPACE}*(?:{_NUMBER})"
    rf"{_SPACE}*(?:{_CURRENCY}|%)?{_SPACE}*\)?){_SPACE}*$",
    re.MULTILINE,
)


class WrittenNumber(NamedTuple):
    """A cell holding one number as text: shown as written, counted by value."""

    text: str
    value: Decimal


class WrittenDate(NamedTuple):
    """A cell holding only a date, time or duration as text: shown as written, never counted."""

    text: str


def read_written(text: str, decimal_comma: bool = False) -> WrittenNumber | WrittenDate | None:
    """Read a cell that holds one value written as text; None when it is ordinary text.

    decimal_comma: the file writes decimals with a comma (semicolon-separated CSV), so `1,234` is 1.234.
    """
    plain = text.strip(" \t\u00a0\u202f")
    if not plain:
        return None
    if MINUS_SIGN in plain:
        plain = plain.replace(MINUS_SIGN, "-")
    if _WHEN_ONLY.fullmatch(plain) and _plausible_when(plain):
        return WrittenDate(text)
    value = _amount(plain, decimal_comma)
    return None if value is None else WrittenNumber(text, value)


def written_cells(texts: dict[str, int]) -> dict[str, WrittenNumber | WrittenDate]:
    """Find the text cells of a workbook that hold one value whose meaning the text rules would get wrong."""
    if not texts:
        return {}
    found: dict[str, WrittenNumber | WrittenDate] = {}
    for line in _CANDIDATE.findall("\n".join(texts)):
        if line not in texts:  # a piece of a cell that holds a line break
            continue
        value = read_written(line)
        if isinstance(value, WrittenNumber) and numbers_in_text(line) == ([value.value], 0):
            continue  # a plain number: the text rules count it the same, on the fast path
        if value is not None:
            found[line] = value
    return found


def _amount(text: str, decimal_comma: bool) -> Decimal | None:
    parts = _AMOUNT_PARTS.fullmatch(text)
    if parts is None or bool(parts["open"]) != bool(parts["close"]):
        return None
    signs = [s for s in (parts["sign"], parts["sign2"]) if s]
    currency = parts["before"] or parts["after"]
    if len(signs) > 1 or (parts["before"] and parts["after"]) or (parts["sign2"] and not parts["before"]):
        return None
    value = _number(parts["number"], decimal_comma, marked=bool(currency or parts["percent"]))
    if value is None:
        return None
    if parts["percent"]:
        value = value.scaleb(-2)
    if parts["open"] or signs == ["-"]:
        value = -value
    return value


def _number(number: str, decimal_comma: bool, marked: bool) -> Decimal | None:
    """Read the digits of an amount with the file's decimal mark; None when they are no single number."""
    if _SCIENTIFIC.fullmatch(number):
        return Decimal(number)
    if decimal_comma:
        if _SCIENTIFIC_COMMA.fullmatch(number):
            return Decimal(number.replace(",", "."))
        if _COMMA.fullmatch(number) or _GROUPED_COMMA.fullmatch(number):
            return _comma_decimal(number)
        return Decimal(number.replace(",", "")) if _POINT.fullmatch(number) else None
    if _POINT.fullmatch(number):
        return Decimal(number.replace(",", ""))
    if _GROUPED_COMMA.fullmatch(number) or (marked and _MARKED_COMMA.fullmatch(number)):
        return _comma_decimal(number)
    return None


def _comma_decimal(number: str) -> Decimal:
    for grouping in (".", " ", "\u00a0", "\u202f"):
        number = number.replace(grouping, "")
    return Decimal(number.replace(",", "."))


def _plausible_when(text: str) -> bool:
    """Tell a real date or time from digits that only look like one (`13/45/2024`, `10:75`)."""
    fields = [int(n) for n in re.findall(r"\d+", text.split("T")[0] if text[:1].isdigit() else "")]
    if ":" in text:
        clock = re.search(r"(\d+):(\d{2})(?::(\d{2}))?", text)
        if int(clock[2]) > 59 or (clock[3] and int(clock[3]) > 59):
            return False
    if re.match(r"\d{4}[-/.]", text):
        year, month, day = fields[:3]
        return 1 <= month <= 12 and 1 <= day <= 31
    if re.match(r"\d{1,2}[/.-]\d{1,2}[/.-]", text):
        first, second = fields[:2]
        return min(first, second) >= 1 and min(first, second) <= 12 and max(first, second) <= 31
    return True


def iso_duration(text: str) -> dt.timedelta | None:
    """Turn an ISO 8601 duration (`PT288H00M00S`, as OpenDocument stores times) into a timedelta, or None."""
    parts = _DURATION_PARTS.fullmatch(text.strip()) if text[:3].lstrip("-")[:1] == "P" else None
    if parts is None or not any(parts.groups()[1:]):
        return None
    weeks, days, hours, minutes, seconds = (float(p.replace(",", ".")) if p else 0 for p in parts.groups()[1:])
    duration = dt.timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    return -duration if parts[1] else duration


def duration_text(value: dt.timedelta) -> str:
    """Write a duration the way a spreadsheet shows it: `288:00:00`, hours past a day included."""
    seconds = value.total_seconds()
    sign = "-" if seconds < 0 else ""
    whole, fraction = divmod(abs(value), dt.timedelta(seconds=1))
    hours, rest = divmod(whole, 3600)
    shown = f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return shown + f"{fraction.total_seconds():.6f}"[1:].rstrip("0") if fraction else shown
