"""The rules for what counts as a number, shared by extraction and search."""

import math
import re
from decimal import Decimal, InvalidOperation

# Longest digit string we accept as a number; longer ones are identifiers, not amounts.
MAX_DIGITS = 30

# A minus is a sign only when it is not glued to a letter or digit before it
# (`X-100` adds 100, `2024-05-01` adds 2024 + 5 + 1, `temp -4` adds -4).
# Comma-grouped thousands (`1,234.50`) read as one number.
_NUMBER = re.compile(
    r"(?P<sign>(?<![^\W_])-)?"
    r"(?<![\d.])"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?![\d])(?:\.\d+)?|\d+(?:\.\d+)?)"
)


def numbers_in_text(text: str) -> tuple[list[Decimal], int]:
    """Return the exact numbers written inside a piece of text, and how many were too long."""
    found: list[Decimal] = []
    skipped = 0
    for match in _NUMBER.finditer(text):
        digits = match.group("digits").replace(",", "")
        if len(digits) - digits.count(".") > MAX_DIGITS:
            skipped += 1
            continue
        value = Decimal(digits)
        found.append(-value if match.group("sign") else value)
    return found, skipped


def exact_decimal(value: float | int) -> Decimal | None:
    """Turn a cell's stored number into the exact decimal the workbook shows, or None if non-finite."""
    if isinstance(value, int):
        return Decimal(value)
    if not math.isfinite(value):
        return None
    # repr gives the shortest decimal that reads back as the same float.
    return Decimal(repr(value))


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
