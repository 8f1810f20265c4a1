"""The System page, its three actions, and /metrics."""

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from webapp import metrics
from webapp.accounts import access, scope
from webapp.accounts.identity import visitor
from webapp.models import DocumentStatus, Role
from webapp.services.answers import system
from webapp.services.pipeline import queue, reconcile, resubmit
from webapp.system import bp
from webapp.system.collector import SystemCollector
from webapp.system.forms import ActionForm

# Problems first: these statuses list their newest files on the page.
LISTED = (DocumentStatus.FAILED, DocumentStatus.PROCESSING, DocumentStatus.QUEUED)


@bp.route("/metrics")
@access.public  # not public: decided here, since a scraper has no account (loopback, METRICS_TOKEN or an admin)
def metrics_view():
    """Answer Prometheus: every process's counters and histograms, and the system's gauges read now."""
    if not (metrics.scrape_allowed(request.remote_addr, request.headers.get("Authorization"),
                                   current_app.config["METRICS_TOKEN"]) or _signed_in_admin()):
        return Response("Metrics are for this machine, the METRICS_TOKEN (as a bearer token) or a signed-in admin.\n",
                        403, mimetype="text/plain")
    return Response(generate_latest(metrics.registry(SystemCollector())), mimetype=CONTENT_TYPE_LATEST)


def _signed_in_admin() -> bool:
    """Tell whether an admin of every region asks (the gauges count every region's files)."""
    who = visitor()
    return (who.is_authenticated and who.role.rank >= Role.ADMIN.rank and not who.must_change_password
            and who.scope.everything)


@bp.route("/system")
@access.admin
def system_page():
    """Show the health of the whole system, refreshing itself, with the actions that fix a stuck situation."""
    facts = system.overview()
    listed = {status: system.newest_in(status) for status in LISTED}
    return render_template("system/system.html", facts=facts, listed=listed, form=ActionForm(),
                           database_bytes=system.database_bytes(), rebuild=system.rebuild_progress(),
                           every_region=scope.current().everything, interval=current_app.config["TOTALS_CHECK_INTERVAL_SECONDS"])


def _action_refused():
    """Refuse an action without a valid CSRF token, or from an admin limited to some regions; None lets it run."""
    if not ActionForm().validate_on_submit():
        flash(_("That button had expired; nothing was done. Please press it again."), "error")
        return redirect(url_for("system.system_page")), 400
    if not scope.current().everything:
        flash(_("The System page's actions change files of every region, so they need an admin of every region."), "error")
        return redirect(url_for("system.system_page")), 403
    return None


@bp.route("/system/retry-failed", methods=["POST"])
@access.admin
def retry_all_failed():
    """Send every failed file back to the queue."""
    refused = _action_refused()
    if refused:
        return refused
    count = resubmit.retry_failed()
    flash(_("%(count)s failed file(s) are queued again.", count=count) if count else _("No file had failed."), "success")
    return redirect(url_for("system.system_page"))


@bp.route("/system/rebuild-search", methods=["POST"])
@access.admin
def rebuild_search():
    """Rebuild the search index from PostgreSQL as a job; the page shows its progress."""
    refused = _action_refused()
    if refused:
        return refused
    outcome = queue.enqueue_rebuild()
    messages = {
        queue.QUEUED: (_("The search index is being rebuilt; progress shows below."), "success"),
        queue.WAITING: (_("A rebuild is already on its way; progress shows below."), "success"),
        queue.DEFERRED: (_("The queue is unavailable right now, so nothing started; please try again in a minute."), "error"),
    }
    flash(*messages[outcome])
    return redirect(url_for("system.system_page"))


@bp.route("/system/check-totals", methods=["POST"])
@access.admin
def check_totals():
    """Compare every category's total with its documents now, and say what was found."""
    refused = _action_refused()
    if refused:
        return refused
    found = reconcile.check_and_record()
    if found:
        flash(_("%(count)s category total(s) differ from their documents: `flask totals repair` sets them right.",
                count=len(found)), "error")
    else:
        flash(_("Every category's total matches its documents."), "success")
    return redirect(url_for("system.system_page"))
