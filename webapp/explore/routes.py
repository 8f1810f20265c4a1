"""Search results and "which regions have a file containing X"."""

from urllib.parse import quote_plus

from flask import render_template, request, url_for
from markupsafe import Markup, escape

from webapp import names, page_cache, search
from webapp.accounts import access
from webapp.explore import bp
from webapp.pagination import Pages
from webapp.services.answers import categories, finder, snapshot_cache

UNAVAILABLE = "Search is unavailable right now. Your files and totals are safe; please try again in a minute."
_SEARCH_ARGUMENTS = ("q", "type", "region", "category")


def _filters() -> finder.Filters:
    args = request.args
    return finder.Filters(args.get("type", ""), args.get("region", ""), args.get("category", ""))


class SearchLinks:
    """This search's URL with some arguments changed (None or "" drops one; the page resets).

    Built once per page from one url_for: a page of hits has some sixty of these links.
    """

    def __init__(self) -> None:
        self.base = url_for("explore.search_page")
        self.args = {key: request.args.get(key, "") for key in _SEARCH_ARGUMENTS}
        self._quoted = {key: quote_plus(value) for key, value in self.args.items() if value}

    def __call__(self, **changes) -> str:
        quoted = {**self._quoted}
        for key, value in changes.items():
            if value:
                quoted[key] = quote_plus(str(value))
            else:
                quoted.pop(key, None)
        pairs = [f"{key}={quoted[key]}" for key in (*_SEARCH_ARGUMENTS, "page") if key in quoted]
        return f"{self.base}?{'&'.join(pairs)}" if pairs else self.base


def filter_options(filters: finder.Filters) -> dict[str, Markup]:
    """Return each filter's <option> list with the chosen one selected (a thousand categories: built once per snapshot)."""
    choices = categories.filter_choices()
    # Each entry: the value's key and its option as HTML, escaped here.
    listed = snapshot_cache.cached("filter_options", lambda: {key: [
        (names.key(value), f'<option value="{escape(value)}">{escape(value)}</option>') for value in values]
        for key, values in choices.items()})
    options = {}
    for key, values in listed.items():
        chosen = names.key(getattr(filters, key)) if getattr(filters, key) else None
        options[key] = Markup("".join(
            option.replace("<option ", "<option selected ", 1) if value_key == chosen else option
            for value_key, option in values))
    return options


@bp.route("/search")
@access.viewer
def search_page():
    """Show highlighted hits for the query, with filters and pages; the regions panel loads after them."""
    # Kept per snapshot only when the hits come from PostgreSQL (an Elasticsearch index changes on its own).
    return page_cache.cached_page(_render_search_page, keep=search.answers_from_postgres())


def _render_search_page():
    query = request.args.get("q", "")
    page = request.args.get("page", 1, type=int) or 1
    links = SearchLinks()
    filters = _filters()
    context = {"q": query, "filters": filters, "results": None, "error": None,
               "options": filter_options(filters), "search_url": links,
               "pages": Pages(1, 1), "search_page_url": lambda n: links(page=n),
               "regions_panel_url": url_for("explore.search_regions_panel", **{k: v for k, v in links.args.items() if v})}
    status = 200
    if query.strip():
        try:
            context["results"] = finder.search_documents(query, filters, page)
            context["pages"] = Pages(context["results"].page, context["results"].pages)
        except search.SearchUnavailable:
            context["error"], status = UNAVAILABLE, 503
    return render_template("explore/search.html", **context), status


@bp.route("/search/regions")
@access.viewer
def search_regions_panel():
    """Answer the search page's regions panel, fetched once the hits are shown: find_regions costs as much again."""
    query = request.args.get("q", "")
    regions, error, status = None, None, 200
    try:
        regions = finder.find_regions(query)
    except finder.BlankQuery as exc:
        error, status = str(exc), 400
    except search.SearchUnavailable:
        error, status = UNAVAILABLE, 503
    return render_template("explore/_regions_panel.html", query=query.strip(), regions=regions, error=error,
                           search_url=SearchLinks()), status


@bp.route("/regions")
@access.viewer
def regions_page():
    """Answer find_regions: which regions have at least one file containing the term."""
    term = request.args.get("term", "")
    matches, error, status = None, None, 200
    if term.strip():
        try:
            matches = finder.find_regions(term)
        except search.SearchUnavailable:
            error, status = UNAVAILABLE, 503
    return render_template("explore/regions.html", term=term, matches=matches, error=error), status
