"""Routes that change a document after upload (retry now; delete and reprocess come with issue 4)."""

from flask import abort, flash, redirect, request, url_for

from webapp.main import bp
from webapp.main.forms import ActionForm
from webapp.services import documents


@bp.route("/documents/<int:document_id>/retry", methods=["POST"])
def retry_document(document_id):
    """Queue a failed document again."""
    if not ActionForm().validate_on_submit():
        abort(400, description="This form has expired; please reload the page and try again.")
    try:
        document = documents.retry_document(document_id)
    except documents.NotRetryable as exc:
        flash(str(exc), "error")
        return redirect(request.referrer or url_for("main.document", document_id=document_id))
    flash(f"“{document.filename}” is queued again.", "success")
    return redirect(request.referrer or url_for("main.document", document_id=document_id))
