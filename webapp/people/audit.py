"""The Audit page (admins): who did what and when, filtered by user, kind, object and dates."""

import re

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp import language
from webapp.accounts import access
from webapp.people import bp
from webapp.services.answers import audit, history

# What the Audit page calls each kind of event; the API and the stored rows keep the kind itself.
KIND_WORDS = {
    "signed_in": _l("signed in"), "sign_in_failed": _l("sign-in failed"), "sign_in_throttled": _l("sign-in throttled"),
    "signed_out": _l("signed out"), "user_created": _l("user created"), "user_changed": _l("user changed"),
    "user_disabled": _l("user disabled"), "user_deleted": _l("user deleted"), "token_created": _l("token created"),
    "token_revoked": _l("token revoked"), "category_created": _l("category created"),
    "category_deleted": _l("category deleted"), "file_uploaded": _l("file uploaded"), "file_deleted": _l("file deleted"),
    "file_retried": _l("file retried"), "file_reprocessed": _l("file reprocessed"),
    "totals_repaired": _l("totals repaired"), "backup_created": _l("backup created"),
    "backup_restored": _l("backup restored"),
}
# The names of an event's details (the stored keys stay English, like the kinds).
DETAIL_WORDS = {
    "via": _l("via"), "by": _l("by"), "role": _l("role"), "regions": _l("regions"), "changes": _l("changes"),
    "token": _l("token"), "name": _l("name"), "region": _l("region"), "type": _l("type"), "files": _l("files"),
    "subtracted": _l("subtracted"), "categories": _l("categories"),
}
# The words a detail's value may be (how someone signed in, which fields of an account changed).
VALUE_WORDS = {"form": _l("the sign-in form"), "api": _l("the API"), "role": _l("role"), "regions": _l("regions"),
               "password": _l("password"), "active": _l("active")}
bp.add_app_template_global(KIND_WORDS, "AUDIT_KIND_WORDS")
bp.add_app_template_global(DETAIL_WORDS, "AUDIT_DETAIL_WORDS")
_FILE, _TOKEN = re.compile(r"file #(\d+) (.*)", re.DOTALL), re.compile(r"token #(\d+)")


@bp.app_template_global()
def audit_object(stored: str | None) -> str:
    """Say an event's object in the page's language, read from the forms webapp/accounts/events.py stores;
    the names in it (a user's, a category's, a file's) stay as they are, and an unknown form as it was stored."""
    stored = stored or ""
    kind, _space, name = stored.partition(" ")
    if file := _FILE.fullmatch(stored):
        return _("file #%(id)s %(name)s", id=file[1], name=file[2])
    if token := _TOKEN.fullmatch(stored):
        return _("token #%(id)s", id=token[1])
    if stored in ("every category", "totals"):
        return _("every category") if stored == "every category" else _("totals")
    if name and kind in ("user", "category", "backup"):
        return {"user": _("user %(name)s", name=name), "category": _("category %(name)s", name=name),
                "backup": _("backup %(name)s", name=name)}[kind]
    return stored


@bp.app_template_global()
def audit_value(key: str, value: object) -> str:
    """Write a detail's value in the page's language: lists joined, roles and known words translated, the rest kept."""
    if isinstance(value, list | tuple):
        return ", ".join(audit_value(key, item) for item in value)
    if key == "role":
        return language.role_name(value)
    if key in ("via", "changes") and value in VALUE_WORDS:
        return str(VALUE_WORDS[value])
    return "" if value is None else str(value)


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
            errors[key], instants[key] = exc.in_page_language(), None
    page = max(1, request.args.get("page", 1, type=int) or 1)
    filters = audit.Filters(args["user"], args["kind"], args["object"], instants["since"], instants["until"])
    events, pages = audit.events(filters, page)
    shown = {key: value for key, value in args.items() if value}
    return render_template(
        "people/audit.html", events=events, pages=pages, args=args, errors=errors, kinds=audit.KINDS,
        page_url=lambda n: url_for("people.audit_trail", **shown, page=n),
    ), 400 if errors else 200
