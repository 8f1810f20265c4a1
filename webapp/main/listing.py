"""The dashboard's tables and charts: each row and bar is rendered once per change of what it shows.

Rendering 1,000 rows with Jinja took ~40 ms a request, and every open dashboard re-reads the page
every few seconds. A row's HTML depends only on the values it shows, so it is kept under exactly
those values: a changed total, count or name is a new key, and stale HTML is never served. When a
file is counted, one category row, one type bar and one region bar change; the rest are reused.
Keys also hold the role and region scope of the person asking, so what was rendered for an admin is
never handed to a user limited to other regions, even where the values happen to agree, and the page's
language, so a row rendered in German is never shown on a Spanish page.
"""

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup

from webapp.accounts import scope
from webapp.accounts.identity import visitor

# Rows and bars kept per process; past this the cache starts again (a few MB at most).
MAX_ROWS = 20_000
_rendered: dict[tuple, Markup] = {}


def category_rows(categories, pending: dict[int, int]) -> Markup:
    """Return the table rows for these category rows (id, name, region, type, total, documents) and processing counts."""
    # A row is a tuple of exactly the values shown, so with its processing count it is its own key.
    shown = [(c, pending.get(c[0], 0)) for c in categories]
    return _joined("main/_category_row.html", "category_row", ((values, values) for values in shown))


def chart_bars(key: str, bars) -> Markup:
    """Return the SVG bars of one chart (`type` or `region`)."""
    return _joined(
        "main/_bar_chart.html", "bar",
        (((key, b.key, b.total, b.pending, b.share, b.negative), (key, b)) for b in bars),
    )


def group_rows(key: str, groups) -> Markup:
    """Return the rows of one chart's table of numbers."""
    return _joined(
        "main/_bar_chart.html", "group_row",
        (((key, g.key, g.categories, g.documents, g.pending, g.total), (key, g)) for g in groups),
    )


def _joined(template: str, macro_name: str, items) -> Markup:
    """Render each (values, macro arguments) item once per distinct values and join the HTML."""
    macro = None
    parts = []
    audience = (visitor().role, scope.current().key, str(get_locale()))
    for values, arguments in items:
        key = (macro_name, audience, *values)
        html = _rendered.get(key)
        if html is None:
            if macro is None:
                macro = getattr(current_app.jinja_env.get_template(template).module, macro_name)
            html = macro(*arguments)
            if len(_rendered) >= MAX_ROWS:
                _rendered.clear()
            _rendered[key] = html
        parts.append(html)
    # Every part is already safe markup, so a plain join keeps it safe (Markup.join would re-check each).
    return Markup("\n".join(parts))
