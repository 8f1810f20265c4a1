"""Search results and "which regions have a file containing X"."""

from flask import render_template, request, url_for

from webapp import search
from webapp.accounts import access
from webapp.explore import bp
from webapp.pagination import Pages
from webapp.services.answers import categories, finder

UNAVAILABLE = "Search is unavailable right now. Your files and totals are safe; please try again in a minute."


def _filters() -> finder.Filters:
    args = request.args
    return finder.Filters(args.get("type", ""), args.get("region", ""), args.get("category", ""))


def _search_url(**changes) -> str:
    """Return this search's URL with some arguments changed (None or "" drops one); page resets."""
    args = {key: request.args.get(key, "") for key in ("q", "type", "region", "category")}
    args.update(changes)
    return url_for("explore.search_page", **{key: value for key, value in args.items() if value})


@bp.route("/search")
@access.viewer
def search_page():
    """Show highlighted hits for the query, with filters, pages and the regions panel."""
    query = request.args.get("q", "")
    page = request.args.get("page", 1, type=int) or 1
    context = {"q": query, "filters": _filters(), "results": None, "regions": None, "error": None,
               "choices": categories.filter_choices(), "search_url": _search_url, "pages": Pages(1, 1),
               "search_page_url": lambda n: _search_url(page=n)}
    status = 200
    if query.strip():
        try:
            context["results"] = finder.search_documents(query, context["filters"], page)
            context["regions"] = finder.find_regions(query)
            context["pages"] = Pages(context["results"].page, context["results"].pages)
        except search.SearchUnavailable:
            context["error"], status = UNAVAILABLE, 503
    return render_template("explore/search.html", **context), status


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
