"""How pages write a total for people: exact to the last digit, with its thousands grouped.

`1449857594090904.17` reads as `1,449,857,594,090,904.17`. This is the one place a page turns a number
into text (the `grouped` template filter); the languages issue swaps its body for Babel's decimal
formatting of the same Decimal, never through a float. The API keeps plain strings (webapp/api/schemas.py),
and pages keep the plain value beside the grouped one for copying (templates/_figures.html). A category
page updating itself writes the API's plain total the same way in the browser (`showTotal`,
static/js/enhance.js): the languages issue changes both.
"""

from decimal import Decimal

from webapp.workbook.numbers import display_number


def grouped(value: Decimal | int | None) -> str:
    """Write an exact decimal with comma-grouped thousands and every digit kept (`—` when there is none)."""
    if value is None:
        return "—"
    plain = display_number(Decimal(value))
    sign, digits = ("-", plain[1:]) if plain.startswith("-") else ("", plain)
    whole, point, fraction = digits.partition(".")
    groups = [whole[max(0, end - 3):end] for end in range(len(whole), 0, -3)]
    return sign + ",".join(reversed(groups)) + point + fraction
