"""Dashboard, category, upload and document pages."""

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from webapp import names, page_cache
from webapp.accounts import access, scope
from webapp.accounts.identity import visitor
from webapp.language import spoken
from webapp.main import bp, explaining, listing, originals
from webapp.main.forms import CategoryForm, UploadForm
from webapp.main.lookups import category_or_404, document_or_404
from webapp.models import DocumentStatus
from webapp.pagination import Pages, page_count
from webapp.services.answers import categories, documents, file_list, health, snapshot_cache
from webapp.services.answers import dashboard as figures
from webapp.services.pipeline import quota, storage, uploads
from webapp.workbook.intake import RefusedUpload
from webapp.workbook.wording import wording


@bp.app_template_global()
def asset_url(filename: str) -> str:
    """Return a static file's URL carrying a digest of its content, so browsers never keep a stale copy."""
    path = Path(current_app.static_folder) / filename
    return _asset_url(filename, request.script_root, path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _asset_url(filename: str, script_root: str, mtime_ns: int) -> str:
    """Build an asset's URL once per version of the file (every page links five of them)."""
    return url_for("static", filename=filename, v=_digest(Path(current_app.static_folder) / filename, mtime_ns))


_SOME_ID = 987654321


@bp.app_template_global()
def document_url(endpoint: str, document_id: int) -> str:
    """Return the URL of one file's page or action, from one url_for per endpoint (a file list has 200 links)."""
    prefix, suffix = _document_url_parts(endpoint, request.script_root)
    return f"{prefix}{int(document_id)}{suffix}"


@lru_cache(maxsize=32)
def _document_url_parts(endpoint: str, script_root: str) -> tuple[str, str]:
    prefix, _, suffix = url_for(endpoint, document_id=_SOME_ID).partition(str(_SOME_ID))
    return prefix, suffix


@lru_cache(maxsize=64)
def _digest(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


# workbook.sniff.ACCEPTED as the upload area says it, in the page's language.
ACCEPTED_SHOWN = _l("Excel workbooks (.xlsx, .xlsm, .xls), OpenDocument spreadsheets (.ods) or CSV files (.csv)")

# One page of the categories table: a thousand rows made a 600 KB page, re-read every few seconds.
CATEGORIES_PER_PAGE = 100


@bp.route("/")
@access.viewer
def dashboard():
    """Show every category's exact total, charts by type and region, and recent uploads."""
    return page_cache.cached_page(lambda: _render_dashboard(CategoryForm()))


def _render_dashboard(form: CategoryForm, status: int = 200):
    type_, region = request.args.get("type", "").strip(), request.args.get("region", "").strip()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    # The HTML shows what the role may do (e.g. "+ New category") in the page's language, so the role and the
    # language are part of the key; the region scope is added by the cache itself.
    live = snapshot_cache.cached(("dashboard", request.script_root, visitor().role, str(get_locale()), type_, region,
                                  page),
                                 lambda: _render_figures(type_, region, page))
    return render_template("main/dashboard.html", form=form, live=live), status


def _render_figures(type_: str, region: str, page: int) -> Markup:
    """Render everything the dashboard shows about totals; the same for every visitor until the data changes."""
    by_type, by_region = categories.totals_by_type_and_region()
    count = categories.count_categories(type_, region)
    last = page_count(count, CATEGORIES_PER_PAGE)
    pages = Pages(min(page, last), last)
    first = (pages.page - 1) * CATEGORIES_PER_PAGE
    shown = categories.list_categories(type_, region, CATEGORIES_PER_PAGE, first)
    pending = categories.pending_counts()
    filters = {"type": type_, "region": region}
    return Markup(render_template(
        "main/_dashboard_live.html",
        categories=shown,
        category_rows=listing.category_rows(shown, pending),
        count=count,
        first=first + 1,
        pages=pages,
        page_url=lambda n: url_for("main.dashboard", **{k: v for k, v in filters.items() if v}, page=n) + "#categories-card",
        filters=filters,
        pending=pending,
        summary=figures.summary(),
        by_type=by_type,
        by_region=by_region,
        charts=[_chart("type", _("Totals by type"), by_type), _chart("region", _("Totals by region"), by_region)],
        recent=figures.recent_uploads(),
    ))


def _chart(key: str, title: str, groups: list[categories.Group]) -> tuple:
    bars = figures.bars(groups)
    return key, title, groups, bars, listing.chart_bars(key, bars), listing.group_rows(key, groups)


@bp.route("/categories", methods=["POST"])
@access.editor
def create_category():
    """Create a category from the dashboard form."""
    form = CategoryForm()
    if not form.validate_on_submit():
        return _render_dashboard(form, 400)
    try:
        category = categories.create_category(form.name.data, form.region.data, form.type.data)
    except categories.InvalidCategory as exc:
        for field, message in exc.errors.items():
            form[field].errors.append(spoken(message))
        return _render_dashboard(form, 400)
    except scope.OutsideScope as exc:
        form.region.errors.append(spoken(wording(exc)))
        return _render_dashboard(form, 403)
    except categories.CategoryExists as exc:
        form.name.errors.append(spoken(wording(exc)))
        return _render_dashboard(form, 409)
    flash(_("Category “%(name)s” created.", name=category.name), "success")
    return redirect(url_for("main.category", name=category.name))


@bp.route("/categories/<name>")
@access.viewer
def category(name):
    """Show a category's files with their live status, and the upload form."""
    return page_cache.cached_page(lambda: _render_category(category_or_404(name), UploadForm()))


def _render_category(category, form: UploadForm, status: int = 200):
    query, errors = file_list.parse(request.args)
    rows = _file_rows(category, query)
    page = render_template(
        "main/category.html", category=category, rows=page_cache.with_token(rows.html), count=rows.count, pages=rows.pages,
        shown=rows.shown, unfinished=rows.unfinished, query=query,
        filter_errors=errors, formulas=file_list.formula_notes(category), form=form, accepted=ACCEPTED_SHOWN,
        statuses=list(DocumentStatus), sorts=file_list.SORTS,
        list_url=lambda **changes: url_for("main.category", name=category.name, **query.args(**changes)) + "#files-heading",
        page_url=lambda n: url_for("main.category", name=category.name, **query.args(page=n)) + "#files-heading",
        first=(rows.pages.page - 1) * file_list.PER_PAGE + 1,
    )
    return page, 400 if errors and status == 200 else status


@bp.route("/categories/<name>/rows")
@access.viewer
def category_rows(name):
    """Return the rows of a category's file list as the page shows them (same filters, sort and page), to swap in."""
    category = category_or_404(name)
    query, _ = file_list.parse(request.args)
    return page_cache.with_token(_file_rows(category, query).html)


@dataclass(frozen=True)
class FileRows:
    """A page of a category's file list, rendered: the same for everyone with one role and language until data changes."""

    html: str
    count: int
    pages: Pages
    shown: int
    unfinished: bool


def _file_rows(category, query: file_list.FileQuery) -> FileRows:
    """Render the rows once per snapshot (fifty rows with their menus cost three times the JSON of the same files)."""
    key = ("file_rows", category.id, query, request.script_root, visitor().role, str(get_locale()))
    return snapshot_cache.cached(key, lambda: _render_file_rows(category, query))


def _render_file_rows(category, query: file_list.FileQuery) -> FileRows:
    docs, count, pages = file_list.list_files(category, query)
    html = render_template("main/_document_rows.html", documents=docs, filtered=query.filtered, csrf=page_cache.CSRF_SLOT)
    unfinished = any(d.status in (DocumentStatus.QUEUED, DocumentStatus.PROCESSING) for d in docs)
    return FileRows(html, count, pages, len(docs), unfinished)


@bp.route("/categories/<name>/upload", methods=["POST"])
@access.editor
def upload(name):
    """Store and queue the chosen workbooks; processing happens in the background.

    The page's upload script asks for JSON (one file per request) and gets the API's answer, but in the page's
    language: the API itself stays English for its clients.
    """
    category = category_or_404(name)
    form = UploadForm()
    if not form.validate_on_submit():
        return _refused(category, form, 400)
    incoming = [uploads.IncomingFile.from_part(f) for f in form.file.data or [] if f and f.filename]
    try:
        accepted = uploads.accept_uploads(category, incoming, uploaded_by=visitor().id)
    except RefusedUpload as exc:
        form.file.errors.append(spoken(wording(exc)))
        return _refused(category, form, 400)
    except uploads.DuplicateUpload as exc:
        form.file.errors.append(spoken(wording(exc)))
        return _refused(category, form, 409)
    except quota.OverQuota as exc:
        form.file.errors.append(spoken(wording(exc)))
        return _refused(category, form, 413)
    except quota.TooManyUploads as exc:
        form.file.errors.append(spoken(wording(exc)))
        return _refused(category, form, 429, {"Retry-After": str(exc.retry_after)})
    except storage.StorageUnavailable:
        form.file.errors.append(spoken(uploads.STORAGE_DOWN))
        return _refused(category, form, 503)
    if _script_asks():
        return jsonify(_accepted_answer(accepted)), 202
    flash(_uploaded_message(accepted), "success" if accepted.queue_available else "warning")
    return redirect(url_for("main.category", name=category.name))


def _script_asks() -> bool:
    """Tell whether the page's upload script sent this request (it asks for JSON), not the form itself."""
    return request.accept_mimetypes.best == "application/json"


def _refused(category, form: UploadForm, status: int, headers: dict | None = None):
    """Answer a refused upload: the page with the form's errors, or for the script the first error as JSON."""
    if _script_asks():
        errors = [error for field in form for error in field.errors]
        return jsonify(error=str(errors[0]) if errors else _("The upload failed.")), status, headers or {}
    return (*_render_category(category, form, status), headers or {})


def _accepted_answer(accepted: uploads.Accepted) -> dict:
    """Return what the API answers an accepted upload (its fields), with the message in the page's language."""
    documents = [{"id": d.id, "filename": d.filename, "status": d.status,
                  "url": url_for("main.document", document_id=d.id)} for d in accepted.documents]
    message = _("Processing has started; this page updates by itself.") if accepted.queue_available else ngettext(
        "It is safely stored and queued; processing starts when the queue is back (it is unavailable right now). "
        "This page updates by itself.",
        "They are safely stored and queued; processing starts when the queue is back (it is unavailable right now). "
        "This page updates by itself.", len(documents))
    return {"documents": documents, "queue": "ok" if accepted.queue_available else "unavailable", "message": message}


# Flash messages travel in the session cookie, which browsers cap at 4 KB: a message names a few files
# and counts the rest (200 long names made a 20 KB cookie, and the next request was refused with 431).
NAMED_FILES = 3
NAME_CHARS = 60


def _uploaded_message(accepted: uploads.Accepted) -> str:
    files = [d.filename if len(d.filename) <= NAME_CHARS else d.filename[: NAME_CHARS - 1] + "…" for d in accepted.documents]
    named = ", ".join(f"“{name}”" for name in files[:NAMED_FILES])
    uploaded = _("Uploaded %(names)s.", names=named) if len(files) <= NAMED_FILES else _(
        "Uploaded %(count)s files: %(names)s and %(more)s more.", count=len(files), names=named, more=len(files) - NAMED_FILES)
    if accepted.queue_available:
        return uploaded + " " + _("Processing has started; this page updates by itself.")
    return uploaded + " " + ngettext(
        "It is safely stored and queued; processing starts when the queue is back (it is unavailable right now). "
        "This page updates by itself.",
        "They are safely stored and queued; processing starts when the queue is back (it is unavailable right now). "
        "This page updates by itself.", len(files))


@bp.route("/documents/<int:document_id>")
@access.viewer
def document(document_id):
    """Show one file, its status and the explanation of its total."""
    doc = document_or_404(document_id)
    view = explaining.document_view(doc, request.args)
    return render_template("main/document.html", document=doc, original=originals.look(doc.sha256), view=view,
                           preview=view.preview, cell_url=explaining.cell_url)


@bp.route("/documents/<int:document_id>/download")
@access.viewer
def download(document_id):
    """Send back the original file as it was uploaded."""
    doc = document_or_404(document_id)
    try:
        return originals.download(doc.sha256, documents.download_name(names.shown(doc.filename)))
    except storage.ObjectMissing:
        abort(404, description=str(originals.MISSING))
    except storage.StorageUnavailable:
        abort(503, description=_("The file store is not answering right now; please try the download again in a minute."))


@bp.route("/healthz")
@access.public
def healthz():
    """Report whether the database, the queue, search and the file store answer."""
    report = {**health.check(), "storage": storage.status()}
    return jsonify(report), 200 if all(v == "ok" for v in report.values()) else 503
