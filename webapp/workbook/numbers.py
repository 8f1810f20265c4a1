"""The rules for what counts as a number, shared by extraction, search and hit locations."""

import math
import re
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow, localcontext

# Longest digit string we accept as a number; longer ones are identifiers, not amounts.
MAX_DIGITS = 30

# Sums stay exact: every counted number has at most MAX_DIGITS digits (numeric cells included, see
# extraction), so a few hundred digits of precision can never round; Inexact is trapped to prove it.
EXACT = Context(prec=1000, traps=[Inexact, Overflow, InvalidOperation])

# One number written inside text. A minus is a sign only when it is not glued to a letter or digit
# before it (`X-100` adds 100, `2024-05-01` adds 2024 + 5 + 1, `temp -4` adds -4); comma-grouped
# thousands (`1,234.50`) read as one number only when every group has three digits (`1,234,56` is
# 1 + 234 + 56); a leading point is a decimal point (`.5`, `-.5`); scientific notation with a signed
# exponent is one number (`1.5E+3`); a run of digits with two or more points (`1.2.3`, `192.168.1.1`)
# is a version or an address, not an amount, and adds nothing. Digits of any script count (`１２３`).
# Every branch starts with `-`, `.` or a digit so the regex engine can skip ahead quickly, the
# lookbehinds sit after that first character, and possessive quantifiers never backtrack.
_FRACTION = r"(?:\.\d++)?+(?!\.\d)"
_EXPONENT = r"(?:[eE][+-]\d++(?![^\W_]))?+"
_GROUPED = r"\d{0,2}(?:,\d{3})++(?!\d|,\d)(?:\.\d++)?+(?!\.\d)|"


def _number_regex(grouped: str, exponent: str) -> re.Pattern:
    plain = rf"\d*+{_FRACTION}"
    point_first = rf"\d++(?!\.\d){exponent}"
    # A number glued to a letter before it (`A1E+5`, a product code) takes no exponent.
    digit_first = (
        rf"\d(?<![\d.]\d)(?:(?<![^\W\d_]\d)(?:{grouped}{plain}{exponent})|{grouped}{plain})" if exponent
        else rf"\d(?<![\d.]\d)(?:{grouped}{plain})"
    )
    return re.compile(
        rf"-(?<![^\W_]-)(?:\d(?:{grouped}{plain}{exponent})|\.{point_first})|{digit_first}|\.(?<![\w.]\.){point_first}"
    )


# Chosen by what the text holds: the comma-grouped and exponent forms cost time only where they can occur.
NUMBER_IN_TEXT = _number_regex(_GROUPED, _EXPONENT)
_NUMBERS = {
    (True, True): NUMBER_IN_TEXT,
    (True, False): _number_regex(_GROUPED, ""),
    (False, True): _number_regex("", _EXPONENT),
    (False, False): _number_regex("", ""),
}
_EXPONENT_MARKS = ("e+", "e-", "E+", "E-")
MINUS_SIGN = "\u2212"  # the typographic minus, which spreadsheets and word processors write for -

# A number as a user types it in a search box.
_QUERY_NUMBER = re.compile(r"(?<![\w.,])-?\d[\d,]*(?:\.\d+)?(?![\w.,]*\w)")


def numbers_in_text(text: str) -> tuple[list[Decimal], int]:
    """Return the exact numbers written inside a piece of text, and how many were too long."""
    found, skipped = written_numbers(find_numbers(text))
    return [Decimal(n) for n in found], skipped


def find_numbers(text: str) -> list[str]:
    """Return every number written inside the text, as written (`1,234.50`, `-4`, `1.5E+3`)."""
    if MINUS_SIGN in text:
        text = text.replace(MINUS_SIGN, "-")
    exponent = any(mark in text for mark in _EXPONENT_MARKS)
    return _NUMBERS["," in text, exponent].findall(text)


def written_numbers(found: list[str]) -> tuple[list[str], int]:
    """Turn regex matches into plain decimal strings, dropping overlong ones; return them and how many were dropped."""
    joined = "".join(found)
    if "," in joined:
        found = [n.replace(",", "") for n in found]
    if "e" in joined or "E" in joined:
        return _expand_exponents(found)
    if not found or max(map(len, found)) <= MAX_DIGITS:
        return found, 0
    kept = [n for n in found if len(n) - n.startswith("-") - ("." in n) <= MAX_DIGITS]
    return kept, len(found) - len(kept)


def _expand_exponents(found: list[str]) -> tuple[list[str], int]:
    """Write `1.5E+3` as `1500`; a number no total can hold (`1E+400`) is dropped and counted."""
    kept = []
    for number in found:
        value = Decimal(number)
        if too_long(value):
            continue
        kept.append(display_number(value) if "e" in number or "E" in number else number)
    return kept, len(found) - len(kept)


def plain_number(written: str) -> str | None:
    """Return a number found in text the way a search types it (`1,234.50` → `1234.5`), or None if it does not count."""
    value = Decimal(written.replace(",", ""))
    return None if too_long(value) else display_number(value)


def exact_sum(written: list[str]) -> Decimal:
    """Add numbers written as plain decimal strings exactly; whole numbers take a faster integer path."""
    with localcontext(EXACT):
        if "." not in "".join(written):
            return Decimal(sum(map(int, written)))
        return sum(map(Decimal, written), Decimal(0))


def exact_decimal(value: float | int) -> Decimal | None:
    """Turn a cell's stored number into the exact decimal the workbook shows, or None if non-finite."""
    if isinstance(value, int):
        return Decimal(value)
    if not math.isfinite(value):
        return None
    # repr gives the shortest decimal that reads back as the same float.
    return Decimal(repr(value))


def too_long(value: Decimal) -> bool:
    """Tell whether writing the number out in full needs more than MAX_DIGITS digits."""
    if not value.is_finite() or abs(value.adjusted()) > MAX_DIGITS:
        return True  # judged before writing it out: `1E+99999` would be a hundred thousand digits
    digits = display_number(value).lstrip("-").replace(".", "")
    return len(digits) > MAX_DIGITS


def display_number(value: Decimal) -> str:
    """Write a number the way a user sees it: `28665`, not `28665.0` or `2.8665E+4`."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def canonical_number(token: str) -> str | None:
    """Return the canonical form of a number typed by a user (`1,234.50` → `1234.5`), or None."""
    cleaned = token.replace(",", "") if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", token) else token
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        return None
    try:
        return display_number(Decimal(cleaned))
    except InvalidOperation:
        return None


def canonical_query(raw: str) -> str:
    """Rewrite the numbers in a search query to their canonical form (`12.50` → `12.5`), for every backend."""
    return _QUERY_NUMBER.sub(lambda m: canonical_number(m.group(0)) or m.group(0), raw)


def number_pattern(canonical: str) -> str:
    """Return a regex matching a canonical number however a cell writes it (`1234.5` ~ `1,234.50`)."""
    negative = canonical.startswith("-")
    whole, _, fraction = canonical.lstrip("-").partition(".")
    head = len(whole) % 3 or 3
    grouped = whole[:head] + "".join("," + whole[i : i + 3] for i in range(head, len(whole), 3))
    digits = f"(?:{whole}|{grouped})" if grouped != whole else whole
    tail = rf"\.{fraction}0*" if fraction else r"(?:\.0+)?"
    sign = "-" if negative else ""
    return rf"{sign}(?<![\d.,])0*{digits}{tail}(?![\d]|[.,]\d)"
