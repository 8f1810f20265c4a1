"""Routes that change a document or category after upload: retry, reprocess, delete (with confirmation)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp import number_format
from webapp.accounts import access
from webapp.accounts.identity import visitor
from webapp.accounts.redirects import back_to_referrer
from webapp.language import spoken
from webapp.main import bp
from webapp.main.forms import ActionForm
from webapp.main.lookups import category_or_404, document_or_404
from webapp.services.answers import documents
from webapp.services.pipeline import removal, resubmit
from webapp.workbook.wording import wording


def _require_token() -> None:
    if not ActionForm().validate_on_submit():
        abort(400, description=_("This form has expired; please reload the page and try again."))


def _back_to(document_id: int):
    return redirect(back_to_referrer(url_for("main.document", document_id=document_id)))


@bp.route("/documents/<int:document_id>/retry", methods=["POST"])
@access.editor
def retry_document(document_id):
    """Queue a failed document again."""
    _require_token()
    try:
        document, queued = resubmit.retry_document(document_or_404(document_id).id)
    except resubmit.NotRetryable as exc:
        flash(spoken(wording(exc)), "error")
        return _back_to(document_id)
    if queued:
        flash(_("“%(name)s” is queued again.", name=document.filename), "success")
    else:
        flash(_("“%(name)s” is queued again; processing starts when the queue is back (it is unavailable right now).",
                name=document.filename), "warning")
    return _back_to(document_id)


@bp.route("/documents/<int:document_id>/reprocess", methods=["POST"])
@access.editor
def reprocess_document(document_id):
    """Read a processed document again; its total is replaced in one step when the new reading is ready."""
    _require_token()
    try:
        document = resubmit.reprocess_document(document_or_404(document_id).id, by=visitor().id)
    except resubmit.NotReprocessable as exc:
        flash(spoken(wording(exc)), "error")
        return _back_to(document_id)
    flash(_("“%(name)s” will be read again; its total is replaced in one step when that is done.",
            name=document.filename), "success")
    return _back_to(document_id)


@bp.route("/documents/<int:document_id>/delete", methods=["GET"])
@access.admin
def confirm_delete_document(document_id):
    """Ask before deleting a file, saying what its category's total will lose."""
    return render_template("main/delete_document.html", document=document_or_404(document_id), form=ActionForm())


@bp.route("/documents/<int:document_id>/delete", methods=["POST"])
@access.admin
def delete_document(document_id):
    """Delete a file and take exactly its sum off its category's total."""
    _require_token()
    try:
        # A file of a region one may not see is treated exactly like one already deleted: nothing shows it exists.
        if documents.get_document(document_id) is None:
            raise removal.NotFound(f"There is no file #{document_id}; it may have been deleted already.")
        deleted = removal.delete_document(document_id, by=visitor().id)
    except removal.NotFound as exc:
        flash(spoken(wording(exc)), "error")
        return redirect(url_for("main.dashboard"))
    if deleted.subtracted is None:
        flash(_("Deleted “%(name)s”. It had not been counted, so the total is unchanged.", name=deleted.filename), "success")
    else:
        flash(
            _("Deleted “%(name)s”; %(sum)s was taken off the total of “%(category)s”.", name=deleted.filename,
              sum=number_format.grouped(deleted.subtracted), category=deleted.category),
            "success",
        )
    return redirect(url_for("main.category", name=deleted.category))


@bp.route("/categories/<name>/delete", methods=["GET"])
@access.admin
def confirm_delete_category(name):
    """Ask before deleting a category: its name must be typed to confirm."""
    return _render_delete_category(category_or_404(name))


def _render_delete_category(category, error: str | None = None, status: int = 200):
    page = render_template(
        "main/delete_category.html",
        category=category,
        files=len(documents.list_documents(category)),
        form=ActionForm(),
        error=error,
    )
    return page, status


@bp.route("/categories/<name>/delete", methods=["POST"])
@access.admin
def delete_category(name):
    """Delete a category with its files, once its name has been typed to confirm."""
    _require_token()
    category = category_or_404(name)
    try:
        deleted = removal.delete_category(category, request.form.get("confirm_name", ""))
    except (removal.NotConfirmed, removal.CategoryChanged) as exc:
        return _render_delete_category(category, spoken(wording(exc)), 400 if isinstance(exc, removal.NotConfirmed) else 409)
    except removal.NotFound as exc:
        flash(spoken(wording(exc)), "error")
        return redirect(url_for("main.dashboard"))
    flash(_("Deleted the category “%(name)s” and its %(count)s file(s).", name=deleted.name, count=deleted.documents), "success")
    return redirect(url_for("main.dashboard"))
