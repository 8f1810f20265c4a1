"""JSON endpoints for what the pages' buttons do after upload: delete, reprocess, retry (same rules as the pages)."""

from flask_smorest import abort

from webapp.accounts import access
from webapp.accounts.identity import visitor
from webapp.api import bp
from webapp.api.routes import category_or_404
from webapp.api.schemas import ApiErrorSchema, DocumentSchema
from webapp.services.answers import documents
from webapp.services.pipeline import removal, resubmit


def _document_or_404(document_id: int):
    document = documents.get_document(document_id)
    if document is None:
        abort(404, message=f"There is no file #{document_id}.")
    return document


@bp.route("/documents/<int:document_id>", methods=["DELETE"])
@bp.response(204)
@bp.alt_response(404, schema=ApiErrorSchema)
@access.admin
def delete_document(document_id):
    """Delete a file.

    Takes exactly its sum off its category's total (admins).
    """
    try:
        removal.delete_document(_document_or_404(document_id).id, by=visitor().id)
    except removal.NotFound as exc:
        abort(404, message=str(exc))


@bp.route("/documents/<int:document_id>/reprocess", methods=["POST"])
@bp.response(202, DocumentSchema)
@bp.alt_response(404, schema=ApiErrorSchema)
@bp.alt_response(409, schema=ApiErrorSchema, description="Not a processed file")
@access.editor
def reprocess_document(document_id):
    """Read a processed file again.

    Its total is replaced in one step when the new reading is ready (editors).
    """
    try:
        return resubmit.reprocess_document(_document_or_404(document_id).id, by=visitor().id)
    except resubmit.NotReprocessable as exc:
        abort(409, message=str(exc))


@bp.route("/documents/<int:document_id>/retry", methods=["POST"])
@bp.response(202, DocumentSchema)
@bp.alt_response(404, schema=ApiErrorSchema)
@bp.alt_response(409, schema=ApiErrorSchema, description="Not a failed file")
@access.editor
def retry_document(document_id):
    """Retry a failed file.

    Queues it again (editors). A retry helps when failure_kind is timeout or crash; other kinds fail the same way.
    """
    try:
        document, _queued = resubmit.retry_document(_document_or_404(document_id).id)
    except resubmit.NotRetryable as exc:
        abort(409, message=str(exc))
    return document  # queued, or waiting for the queue to come back (the sweeper sends it then)


@bp.route("/categories/<name>", methods=["DELETE"])
@bp.response(204)
@bp.alt_response(404, schema=ApiErrorSchema)
@bp.alt_response(409, schema=ApiErrorSchema, description="A file arrived meanwhile; nothing was deleted")
@access.admin
def delete_category(name):
    """Delete a category and its files.

    Their totals go with them (admins).
    """
    category = category_or_404(name)
    try:
        removal.delete_category(category, category.name)
    except removal.CategoryChanged as exc:
        abort(409, message=str(exc))
    except removal.NotFound as exc:
        abort(404, message=str(exc))
