"""JSON endpoints of the ledger (a category's history) and the audit trail (admins)."""


from webapp.accounts import access
from webapp.api import bp
from webapp.api.ledger_schemas import AuditPageSchema, AuditQuerySchema, HistoryQuerySchema, HistorySchema
from webapp.api.routes import category_or_404, instant_or_400
from webapp.api.schemas import ApiErrorSchema
from webapp.services.answers import audit, history


@bp.route("/categories/<name>/history", methods=["GET"])
@bp.arguments(HistoryQuerySchema, location="query", error_status_code=400)
@bp.response(200, HistorySchema)
@bp.alt_response(400, schema=ApiErrorSchema)
@bp.alt_response(404, schema=ApiErrorSchema)
@access.viewer
def category_history(args, name):
    """List the changes of a category's total.

    Newest first, 50 a page: when, what (counted, removed, reprocessed, withdrawn, repaired, opening), the exact
    signed amount, the total after it, the file and who caused it.
    """
    category = category_or_404(name)
    changes, pages = history.changes(category, args["page"])
    return {"category": category.name, "changes": changes, "page": args["page"], "pages": pages.last}


@bp.route("/audit", methods=["GET"])
@bp.arguments(AuditQuerySchema, location="query", error_status_code=400)
@bp.response(200, AuditPageSchema)
@bp.alt_response(400, schema=ApiErrorSchema)
@access.admin
def audit_trail(args):
    """Read the audit trail (admins).

    Who did what and when: sign-ins, accounts, tokens, categories, files, repairs, backups; newest first.
    """
    filters = audit.Filters(args["user"], args["kind"], args["object"],
                            instant_or_400(args["since"]), instant_or_400(args["until"]))
    events, pages = audit.events(filters, args["page"])
    return {"events": events, "page": args["page"], "pages": pages.last}
