"""How pages write a total for people: exact to the last digit, grouped the way the page's language writes it.

`1449857594090904.17` reads as `1,449,857,594,090,904.17` in English and `1.449.857.594.090.904,17` in German.
This is the one place a page turns a number into text (the `grouped` template filter): Babel's
`format_decimal` of the same Decimal, never through a float, with `decimal_quantization=False` (Babel
otherwise rounds to three decimals, which would show a wrong total). The API keeps plain strings
(webapp/api/schemas.py), and pages keep the plain value beside the grouped one for copying
(templates/_figures.html). A page updating itself writes the API's plain total the same way in the browser
(`showTotal`, static/js/enhance.js), with the language's symbols from the page's JSON catalogue.
"""

from decimal import Decimal, localcontext
from functools import lru_cache

from babel import Locale
from babel.numbers import format_decimal, get_group_symbol
from flask_babel import get_locale
from markupsafe import Markup, escape

from webapp.workbook.numbers import display_number


def grouped(value: Decimal | int | None, locale: str | None = None) -> str:
    """Write an exact decimal with the language's grouped thousands and every digit kept (`—` when there is none)."""
    if value is None:
        return "—"
    exact = Decimal(display_number(Decimal(value)))
    with localcontext() as context:
        # Babel quantizes in the current context: give it room for every digit (the default keeps 28).
        context.prec = max(context.prec, len(exact.as_tuple().digits) + 8)
        return format_decimal(exact, locale=_locale(locale or str(get_locale() or "en")), decimal_quantization=False)


def breakable(value: Decimal | int | None) -> Markup:
    """Write `grouped(value)` as HTML where a narrow screen may break the line only between groups (`<wbr>`)."""
    locale = str(get_locale() or "en")
    group, joint = _group_joint(locale)
    return joint.join(escape(part) for part in grouped(value, locale).split(group))


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    """Parse a language's data once (a file list writes a hundred totals)."""
    return Locale.parse(code)


@lru_cache(maxsize=16)
def _group_joint(code: str) -> tuple[str, Markup]:
    group = get_group_symbol(_locale(code))
    return group, Markup(escape(group) + Markup("<wbr>"))
