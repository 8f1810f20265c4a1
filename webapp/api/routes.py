"""JSON endpoints: each parses input, calls one service, and shapes the answer."""

from flask import current_app, request
from flask_smorest import abort

from webapp import search
from webapp.accounts import access, scope
from webapp.accounts.identity import visitor
from webapp.api import bp
from webapp.api.ledger_schemas import AsOfQuerySchema
from webapp.api.schemas import (
    AcceptedSchema,
    ApiErrorSchema,
    CategoryInSchema,
    CategoryListSchema,
    CategorySchema,
    DocumentListSchema,
    DocumentSchema,
    RegionsQuerySchema,
    RegionsSchema,
    SearchPageSchema,
    SearchQuerySchema,
    TypeSumSchema,
    UploadSchema,
)
from webapp.services.answers import categories, documents, finder, history, snapshot_cache
from webapp.services.pipeline import quota, storage, uploads
from webapp.workbook.intake import RefusedUpload


def dumped_once(key: tuple, schema, compute):
    """Answer with the JSON `schema` makes of `compute()`, dumped once per database snapshot for every caller of the
    same region scope (snapshot_cache): a long list costs its dump, not only its query, and nothing changes stale."""
    body = snapshot_cache.cached(("api", request.script_root, *key),
                                 lambda: current_app.json.response(schema.dump(compute())).get_data())
    return current_app.response_class(body, mimetype="application/json")


def category_or_404(name: str):
    """Return the visible category with this name, or stop with 404 (another region's looks just like none)."""
    category = categories.find_category(name)
    if category is None:
        abort(404, message=f"There is no category named “{name}”.")
    return category


@bp.route("/categories", methods=["POST"])
@bp.arguments(CategoryInSchema, error_status_code=400)
@bp.response(201, CategorySchema)
@bp.alt_response(400, schema=ApiErrorSchema, description="Invalid fields")
@bp.alt_response(403, schema=ApiErrorSchema, description="Region outside the caller's regions")
@bp.alt_response(409, schema=ApiErrorSchema, description="Name already taken")
@access.editor
def create_category(fields):
    """Create a category.

    A category is a unique name with the region and type its workbooks describe; its total starts at 0.
    """
    try:
        return categories.create_category(fields.get("name"), fields.get("region"), fields.get("type"))
    except categories.InvalidCategory as exc:
        abort(400, message=" ".join(str(message) for message in exc.errors.values()))
    except scope.OutsideScope as exc:
        abort(403, message=str(exc))
    except categories.CategoryExists as exc:
        abort(409, message=str(exc))


@bp.route("/categories", methods=["GET"])
@bp.response(200, CategoryListSchema)
@access.viewer
def list_categories():
    """List categories with their totals.

    Every category you may see, with its exact running total as a string.
    """
    return dumped_once(("categories",), CategoryListSchema(), lambda: {"categories": categories.list_categories()})


@bp.route("/categories/<name>", methods=["GET"])
@bp.arguments(AsOfQuerySchema, location="query", error_status_code=400)
@bp.response(200, CategorySchema)
@bp.alt_response(400, schema=ApiErrorSchema, description="as_of is not an ISO 8601 date or date-time")
@bp.alt_response(404, schema=ApiErrorSchema, description="No such category (as_of: it did not exist yet)")
@access.viewer
def get_category(args, name):
    """Get one category and its total.

    The name is matched ignoring letter case. With `as_of`, the category as it stood then: its total and files
    from the ledger; 404 if it did not exist yet.
    """
    category = category_or_404(name)
    if args["as_of"] is None:
        return category
    then = history.category_as_of(category, instant_or_400(args["as_of"]))
    if then is None:
        abort(404, message=f"The category “{category.name}” did not exist yet at {args['as_of']}.")
    return then


@bp.route("/categories/<name>/files", methods=["POST"])
@bp.arguments(UploadSchema, location="files", error_status_code=400)
@bp.response(202, AcceptedSchema)
@bp.alt_response(400, schema=ApiErrorSchema, description="Not a workbook")
@bp.alt_response(404, schema=ApiErrorSchema, description="Unknown category")
@bp.alt_response(409, schema=ApiErrorSchema, description="Same content already uploaded")
@bp.alt_response(413, schema=ApiErrorSchema, description="Over the size limit, or past the caller's storage quota")
@bp.alt_response(429, schema=ApiErrorSchema, description="Past the caller's upload rate; see Retry-After",
                 headers={"Retry-After": {"description": "Seconds until more files may be sent", "schema": {"type": "integer"}}})
@bp.alt_response(503, schema=ApiErrorSchema, description="The file store is not answering; nothing was kept")
@access.editor
def upload_files(_files, name):
    """Upload workbooks to a category.

    Each file is stored and queued at once; its total is added when the worker has read it.
    """
    category = category_or_404(name)
    incoming = [uploads.IncomingFile.from_part(f) for f in request.files.getlist("file")]
    try:
        accepted = uploads.accept_uploads(category, incoming, uploaded_by=visitor().id)
    except RefusedUpload as exc:
        abort(400, message=str(exc))
    except uploads.DuplicateUpload as exc:
        abort(409, message=str(exc))
    except quota.OverQuota as exc:
        abort(413, message=str(exc))
    except quota.TooManyUploads as exc:
        abort(429, message=str(exc), headers={"Retry-After": str(exc.retry_after)})
    except storage.StorageUnavailable:
        abort(503, message=str(uploads.STORAGE_DOWN))
    return accepted


@bp.route("/categories/<name>/documents", methods=["GET"])
@bp.response(200, DocumentListSchema)
@bp.alt_response(404, schema=ApiErrorSchema)
@access.viewer
def list_documents(name):
    """List a category's files.

    Each file with its status (queued, processing, done, failed) and total, and how many are still pending.
    """
    category = category_or_404(name)

    def listed():
        docs = documents.list_documents(category)
        return {"category": category, "pending": sum(d.status in categories.PENDING for d in docs), "documents": docs}

    return dumped_once(("documents", category.id), DocumentListSchema(), listed)


@bp.route("/documents/<int:document_id>", methods=["GET"])
@bp.response(200, DocumentSchema)
@bp.alt_response(404, schema=ApiErrorSchema)
@access.viewer
def get_document(document_id):
    """Get one file's status and total.

    The total is null until the file is done; a failed file says why and what kind of failure it was.
    """
    document = documents.get_document(document_id)
    if document is None:
        abort(404, message=f"There is no file #{document_id}.")
    return document


@bp.route("/types/<type>/sum", methods=["GET"])
@bp.arguments(AsOfQuerySchema, location="query", error_status_code=400)
@bp.response(200, TypeSumSchema)
@bp.alt_response(400, schema=ApiErrorSchema, description="as_of is not an ISO 8601 date or date-time")
@bp.alt_response(404, schema=ApiErrorSchema)
@access.viewer
def sum_type(args, type):
    """Total of every file of one type.

    The exact sum of all numbers in all files of the categories of that type (sum_type). With `as_of`, the sum
    as it stood then, from the ledger (`pending` is 0).
    """
    if args["as_of"] is None:
        group = categories.sum_type(type)
    else:
        group = history.sum_type_as_of(type, instant_or_400(args["as_of"]))
    if group is None:
        abort(404, message=f"No category has the type “{type}”" + (f" at {args['as_of']}." if args["as_of"] else "."))
    return group


def instant_or_400(value: str | None):
    """Return the instant an ISO 8601 parameter names (None if absent), or stop with 400 and the reason."""
    if value is None:
        return None
    try:
        return history.parse_instant(value)
    except history.InvalidInstant as exc:
        abort(400, message=str(exc))


@bp.route("/regions", methods=["GET"])
@bp.arguments(RegionsQuerySchema, location="query", error_status_code=400)
@bp.response(200, RegionsSchema)
@bp.alt_response(400, schema=ApiErrorSchema)
@bp.alt_response(503, schema=ApiErrorSchema, description="Search is unavailable")
@access.viewer
def find_regions(args):
    """Find the regions with a file containing a word.

    Every region with at least one processed file containing the term, and how many files (find_regions).
    """
    try:
        matches = finder.find_regions(args["term"])
    except finder.BlankQuery as exc:
        abort(400, message=str(exc))
    except search.SearchUnavailable:
        abort(503, message="Search is unavailable right now; please try again in a minute.")
    return {"term": args["term"].strip(), "regions": [m.region for m in matches], "files": {m.region: m.files for m in matches},
            "files_is_estimate": {m.region: m.is_estimate for m in matches}}


@bp.route("/search", methods=["GET"])
@bp.arguments(SearchQuerySchema, location="query", error_status_code=400)
@bp.response(200, SearchPageSchema)
@bp.alt_response(400, schema=ApiErrorSchema)
@bp.alt_response(503, schema=ApiErrorSchema, description="Search is unavailable")
@access.viewer
def search_files(args):
    """Search inside the files.

    Files whose contents match, with highlights and locations (cell and text): escaped HTML where only <mark> is markup.
    """
    filters = finder.Filters(args["type"], args["region"], args["category"])
    try:
        return finder.search_documents(args["q"], filters, args["page"])
    except finder.BlankQuery as exc:
        abort(400, message=str(exc))
    except search.SearchUnavailable:
        abort(503, message="Search is unavailable right now; please try again in a minute.")
