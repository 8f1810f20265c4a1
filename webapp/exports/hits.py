"""A search as a download: every hit up to the search's cap, one row per cell holding the words."""

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from webapp.exports.naming import stem
from webapp.exports.tables import Column, Export, Sheet
from webapp.services.answers import finder

COLUMNS = [
    Column(_l("File"), width=36), Column(_l("Category"), width=24), Column(_l("Region")), Column(_l("Type")),
    Column(_l("Cell"), width=16), Column(_l("Text"), width=60),
]


def search_hits(raw: str | None, filters: finder.Filters) -> Export:
    """Return the search's hits as rows; raise finder.BlankQuery now, search.SearchUnavailable when read."""
    results = finder.each_result(raw, filters)
    return Export(stem("search", (raw or "").strip()), [Sheet(_l("Search"), COLUMNS, _rows(results))])


def _rows(results):
    for result in results:
        document, category = result.document, result.document.category
        start = (document.filename, category.name, category.region, category.type)
        if not result.locations:
            yield (*start, None, None)  # found, but its cells are not known (processed before they were kept)
        for location in result.locations:
            yield (*start, plain(location.cell), plain(location.html))


def plain(value: str) -> str:
    """Return a location's text as the cell holds it: the <mark> around the words and the escaping undone."""
    if not isinstance(value, Markup):
        return value
    return Markup(str(value).replace("<mark>", "").replace("</mark>", "")).unescape()
