"""JSON endpoints: each parses input, calls one service, and shapes the answer."""

from flask import request
from flask_smorest import abort

from webapp import search
from webapp.accounts import access, scope
from webapp.accounts.identity import visitor
from webapp.api import bp
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
from webapp.services.answers import categories, documents, finder
from webapp.services.pipeline import storage, uploads
from webapp.workbook.intake import RefusedUpload


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
    """create_category(name, region, type)."""
    try:
        return categories.create_category(fields.get("name"), fields.get("region"), fields.get("type"))
    except categories.InvalidCategory as exc:
        abort(400, message=" ".join(exc.errors.values()))
    except scope.OutsideScope as exc:
        abort(403, message=str(exc))
    except categories.CategoryExists as exc:
        abort(409, message=str(exc))


@bp.route("/categories", methods=["GET"])
@bp.response(200, CategoryListSchema)
@access.viewer
def list_categories():
    """List every category with its exact total."""
    return {"categories": categories.list_categories()}


@bp.route("/categories/<name>", methods=["GET"])
@bp.response(200, CategorySchema)
@bp.alt_response(404, schema=ApiErrorSchema)
@access.viewer
def get_category(name):
    """Read one category (name matched case-insensitively)."""
    return category_or_404(name)


@bp.route("/categories/<name>/files", methods=["POST"])
@bp.arguments(UploadSchema, location="files", error_status_code=400)
@bp.response(202, AcceptedSchema)
@bp.alt_response(400, schema=ApiErrorSchema, description="Not a workbook")
@bp.alt_response(404, schema=ApiErrorSchema, description="Unknown category")
@bp.alt_response(409, schema=ApiErrorSchema, description="Same content already uploaded")
@bp.alt_response(413, schema=ApiErrorSchema, description="Over the size limit")
@bp.alt_response(503, schema=ApiErrorSchema, description="The file store is not answering; nothing was kept")
@access.editor
def upload_files(_files, name):
    """upload_file(category, file): store and queue one or more workbooks."""
    category = category_or_404(name)
    incoming = [uploads.IncomingFile.from_part(f) for f in request.files.getlist("file")]
    try:
        accepted = uploads.accept_uploads(category, incoming, uploaded_by=visitor().id)
    except RefusedUpload as exc:
        abort(400, message=str(exc))
    except uploads.DuplicateUpload as exc:
        abort(409, message=str(exc))
    except storage.StorageUnavailable:
        abort(503, message=uploads.STORAGE_DOWN)
    return accepted


@bp.route("/categories/<name>/documents", methods=["GET"])
@bp.response(200, DocumentListSchema)
@bp.alt_response(404, schema=ApiErrorSchema)
@access.viewer
def list_documents(name):
    """List a category's files with their live status."""
    category = category_or_404(name)
    docs = documents.list_documents(category)
    pending = sum(d.status in categories.PENDING for d in docs)
    return {"category": category, "pending": pending, "documents": docs}


@bp.route("/documents/<int:document_id>", methods=["GET"])
@bp.response(200, DocumentSchema)
@bp.alt_response(404, schema=ApiErrorSchema)
@access.viewer
def get_document(document_id):
    """Read one file's status and exact total (null until done)."""
    document = documents.get_document(document_id)
    if document is None:
        abort(404, message=f"There is no file #{document_id}.")
    return document


@bp.route("/types/<type>/sum", methods=["GET"])
@bp.response(200, TypeSumSchema)
@bp.alt_response(404, schema=ApiErrorSchema)
@access.viewer
def sum_type(type):
    """sum_type(type): exact sum of all numbers in all files of categories of that type."""
    group = categories.sum_type(type)
    if group is None:
        abort(404, message=f"No category has the type “{type}”.")
    return group


@bp.route("/regions", methods=["GET"])
@bp.arguments(RegionsQuerySchema, location="query", error_status_code=400)
@bp.response(200, RegionsSchema)
@bp.alt_response(400, schema=ApiErrorSchema)
@bp.alt_response(503, schema=ApiErrorSchema, description="Search is unavailable")
@access.viewer
def find_regions(args):
    """find_regions(term): regions with at least one file containing the term."""
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
    """Search file contents; highlights and locations (cell and text) are escaped HTML where only <mark> is markup."""
    filters = finder.Filters(args["type"], args["region"], args["category"])
    try:
        return finder.search_documents(args["q"], filters, args["page"])
    except finder.BlankQuery as exc:
        abort(400, message=str(exc))
    except search.SearchUnavailable:
        abort(503, message="Search is unavailable right now; please try again in a minute.")
