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
# thousands (`1,234.50`) read as one number. Every branch starts with `-` or a digit so the regex
# engine can skip ahead quickly, and the lookbehinds sit after that first character.
_BODY = r"(?:\d{0,2}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d*(?:\.\d+)?)"
NUMBER_IN_TEXT = re.compile(rf"-(?<![^\W_]-)\d{_BODY}|\d(?<![\d.]\d){_BODY}")
# The same without the comma-grouped form: a third faster, and equivalent on text without commas.
_NUMBER_NO_COMMA = re.compile(r"-(?<![^\W_]-)\d++(?:\.\d++)?|\d(?<![\d.]\d)\d*+(?:\.\d++)?")

# A number as a user types it in a search box.
_QUERY_NUMBER = re.compile(r"(?<![\w.,])-?\d[\d,]*(?:\.\d+)?(?![\w.,]*\w)")


def numbers_in_text(text: str) -> tuple[list[Decimal], int]:
    """Return the exact numbers written inside a piece of text, and how many were too long."""
    found, skipped = written_numbers(find_numbers(text))
    return [Decimal(n) for n in found], skipped


def find_numbers(text: str) -> list[str]:
    """Return every number written inside the text, as written (`1,234.50`, `-4`)."""
    return (NUMBER_IN_TEXT if "," in text else _NUMBER_NO_COMMA).findall(text)


def written_numbers(found: list[str]) -> tuple[list[str], int]:
    """Drop grouping commas and overlong digit strings from regex matches; return them and how many were dropped."""
    if "," in "".join(found):
        found = [n.replace(",", "") for n in found]
    if not found or max(map(len, found)) <= MAX_DIGITS:
        return found, 0
    kept = [n for n in found if len(n) - n.startswith("-") - ("." in n) <= MAX_DIGITS]
    return kept, len(found) - len(kept)


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
