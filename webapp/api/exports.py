"""Downloads as .xlsx or .csv: the dashboard, a category's files and history, a search, read as the JSON endpoints
read them."""

from flask_smorest import abort
from marshmallow import EXCLUDE, Schema, fields, validate

from webapp import language, search
from webapp.accounts import access
from webapp.api import bp
from webapp.api.routes import category_or_404
from webapp.api.schemas import _WORDS, ApiErrorSchema
from webapp.exports import as_csv, as_xlsx, files, history, hits, response, totals
from webapp.services.answers import finder

FORMAT = "<any(xlsx, csv):format>"
_FILE = {"schema": {"type": "string", "format": "binary"}}
_DOWNLOAD = {"responses": {"200": {
    "description": "An attachment named for what it holds and the day (`totals-2026-12-03.xlsx`). Numbers are "
                   "exact: an .xlsx number cell only where a spreadsheet number holds the value exactly, else "
                   "its exact text; no text is ever a formula; the CSV is UTF-8 with a BOM, RFC 4180. Headers, sheet "
                   "names and the total row's label are English unless `language` says otherwise.",
    "content": {as_xlsx.MEDIA_TYPE: _FILE, as_csv.MEDIA_TYPE: _FILE},
}}}


def download(export, format: str):
    """Send the export, or answer 400 when a sheet would not fit in a spreadsheet (the CSV always does)."""
    try:
        return response.download(export, format)
    except as_xlsx.TooManyRows as exc:
        abort(400, message=str(exc))


class LanguageQuerySchema(Schema):
    """The language of an export's headers and sheet names (webapp/language.py reads it; the values never change)."""

    class Meta:
        unknown = EXCLUDE

    language = fields.String(
        load_default=language.DEFAULT,
        validate=validate.OneOf(list(language.LANGUAGES), error="The language must be one of: {choices}."),
        metadata={"description": "Headers, sheet names and the total row's label in English (en), German (de) or "
                                 "Spanish (es); the values stay as they are"})


class TotalsQuerySchema(LanguageQuerySchema):
    """The dashboard's filters."""

    type = fields.String(load_default="")
    region = fields.String(load_default="")


class SearchExportQuerySchema(LanguageQuerySchema):
    """A search and its filters, as for /api/search; every hit is exported, so `page` is ignored."""

    q = fields.String(required=True, error_messages={"required": finder.BLANK_QUERY}, metadata=_WORDS)
    type = fields.String(load_default="")
    region = fields.String(load_default="")
    category = fields.String(load_default="")


@bp.route(f"/export/totals.{FORMAT}", methods=["GET"])
@bp.arguments(TotalsQuerySchema, location="query", error_status_code=400)
@bp.doc(**_DOWNLOAD)
@bp.alt_response(400, schema=ApiErrorSchema, description="More rows than a spreadsheet holds (.xlsx only)")
@access.viewer
def export_totals(args, format):
    """Download the dashboard's totals as a spreadsheet.

    Categories, totals by type and by region (CSV: the categories).
    """
    return download(totals.totals(args["type"].strip(), args["region"].strip()), format)


@bp.route(f"/categories/<name>/files.{FORMAT}", methods=["GET"])
@bp.arguments(LanguageQuerySchema, location="query", error_status_code=400)
@bp.doc(**_DOWNLOAD)
@bp.alt_response(404, schema=ApiErrorSchema)
@bp.alt_response(400, schema=ApiErrorSchema, description="More rows than a spreadsheet holds (.xlsx only)")
@access.viewer
def export_files(_language, name, format):
    """Download a category's files as a spreadsheet.

    Each file with its status, uploader, exact total and error.
    """
    return download(files.category_files(category_or_404(name)), format)


@bp.route(f"/categories/<name>/history.{FORMAT}", methods=["GET"])
@bp.arguments(LanguageQuerySchema, location="query", error_status_code=400)
@bp.doc(**_DOWNLOAD)
@bp.alt_response(404, schema=ApiErrorSchema)
@bp.alt_response(400, schema=ApiErrorSchema, description="More rows than a spreadsheet holds (.xlsx only)")
@access.viewer
def export_history(_language, name, format):
    """Download a category's history as a spreadsheet.

    Every change of its total, newest first: when (UTC), kind, file, exact amount, total after it, by whom.
    """
    return download(history.category_history(category_or_404(name)), format)


@bp.route(f"/search/export.{FORMAT}", methods=["GET"])
@bp.arguments(SearchExportQuerySchema, location="query", error_status_code=400)
@bp.doc(**_DOWNLOAD)
@bp.alt_response(400, schema=ApiErrorSchema)
@bp.alt_response(503, schema=ApiErrorSchema, description="Search is unavailable")
@access.viewer
def export_search(args, format):
    """Download every hit of a search as a spreadsheet.

    Every hit up to the search's cap, one row per cell holding the words.
    """
    filters = finder.Filters(args["type"], args["region"], args["category"])
    try:
        return download(hits.search_hits(args["q"], filters), format)
    except finder.BlankQuery as exc:
        abort(400, message=str(exc))
    except search.SearchUnavailable:
        abort(503, message="Search is unavailable right now; please try again in a minute.")
