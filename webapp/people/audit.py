"""The Audit page (admins): who did what and when, filtered by user, kind, object and dates."""

from flask import render_template, request, url_for

from webapp.accounts import access
from webapp.people import bp
from webapp.services.answers import audit, history


@bp.route("/audit")
@access.admin
def audit_trail():
    """List the audit trail newest first, narrowed by the filters in the address."""
    args = {key: request.args.get(key, "").strip() for key in ("user", "kind", "object", "since", "until")}
    errors, instants = {}, {}
    for key in ("since", "until"):
        try:
            instants[key] = history.parse_instant(args[key]) if args[key] else None
        except history.InvalidInstant as exc:
            errors[key], instants[key] = str(exc), None
    page = max(1, request.args.get("page", 1, type=int) or 1)
    filters = audit.Filters(args["user"], args["kind"], args["object"], instants["since"], instants["until"])
    events, pages = audit.events(filters, page)
    shown = {key: value for key, value in args.items() if value}
    return render_template(
        "people/audit.html", events=events, pages=pages, args=args, errors=errors, kinds=audit.KINDS,
        page_url=lambda n: url_for("people.audit_trail", **shown, page=n),
    ), 400 if errors else 200
