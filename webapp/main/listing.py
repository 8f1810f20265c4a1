"""The dashboard's table of categories: each row is rendered once per change of what it shows.

Rendering 1,000 rows with Jinja took ~40 ms a request, and every open dashboard re-reads the page
every few seconds. A row's HTML depends only on the values it shows, so it is kept under exactly
those values: a changed total, count or name is a new key, and stale HTML is never served.
"""

from flask import current_app
from markupsafe import Markup

# Rows kept per process; past this the cache starts again (a few MB at most).
MAX_ROWS = 20_000
_rendered: dict[tuple, Markup] = {}


def category_rows(categories, pending: dict[int, int]) -> Markup:
    """Return the table rows for these categories with their processing counts."""
    row = None
    parts = []
    for c in categories:
        key = (c.id, c.name, c.region, c.type, c.documents, c.total, pending.get(c.id, 0))
        html = _rendered.get(key)
        if html is None:
            if row is None:
                row = current_app.jinja_env.get_template("main/_category_row.html").module.category_row
            html = row(c, key[-1])
            if len(_rendered) >= MAX_ROWS:
                _rendered.clear()
            _rendered[key] = html
        parts.append(html)
    # Every part is already safe markup, so a plain join keeps it safe (Markup.join would re-check each).
    return Markup("\n".join(parts))
