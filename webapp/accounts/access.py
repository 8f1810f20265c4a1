"""Access rules: every route declares who may use it, right under its `@bp.route`, and one check enforces it.

    @bp.route("/categories/<name>/upload", methods=["POST"])
    @access.editor
    def upload(name): ...

`public` (anyone, signed in or not), `own_account` (any signed-in user, even one who must still change
a first password), `viewer`, `editor`, `admin`. A route without a rule is refused to everyone (and
fails tests/accounts/test_access_rules.py). Anonymous visitors are sent to /login (pages) or get 401
JSON (/api); a role too low gets 403. Region scope is not decided here but in `scope`, by the answers.
"""

from dataclasses import dataclass

from flask import Flask, abort, current_app, jsonify, redirect, request, url_for

from webapp import logs
from webapp.accounts.identity import SESSION, visitor
from webapp.extensions import csrf
from webapp.models import Role
from webapp.workbook.wording import said

# The roles as a refusal names them (pages say them in their language, like the Users page).
_ROLE_WORDS = {"viewer": said("viewer"), "editor": said("editor"), "admin": said("admin")}

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Rule:
    """Who may use a route: a least role (None: anyone), and whether a first password must be changed first."""

    name: str
    role: Role | None
    before_password_change: bool = False


PUBLIC = Rule("public", None)
OWN_ACCOUNT = Rule("own_account", Role.VIEWER, before_password_change=True)
VIEWER = Rule("viewer", Role.VIEWER)
EDITOR = Rule("editor", Role.EDITOR)
ADMIN = Rule("admin", Role.ADMIN)


def _declaring(rule: Rule):
    def declare(view):
        view.access_rule = rule
        return view

    return declare


public = _declaring(PUBLIC)
own_account = _declaring(OWN_ACCOUNT)
viewer = _declaring(VIEWER)
editor = _declaring(EDITOR)
admin = _declaring(ADMIN)


def declare(app: Flask, endpoint: str, rule: Rule) -> None:
    """Give a rule to a route a library registered (static files, the OpenAPI document)."""
    app.extensions.setdefault("access_rules", {})[endpoint] = rule


def rule_for(endpoint: str | None, app: Flask | None = None) -> Rule | None:
    """Return the rule of an endpoint, or None if it has none."""
    app = app or current_app
    declared = app.extensions.get("access_rules", {}).get(endpoint)
    view = app.view_functions.get(endpoint)
    return declared or getattr(view, "access_rule", None)


def allowed(endpoint: str) -> bool:
    """Tell whether the person asking may use this endpoint (pages show only the actions they may take)."""
    rule = rule_for(endpoint)
    if rule is None or rule.role is None:
        return rule is not None
    who = visitor()
    return who.is_authenticated and who.role.rank >= rule.role.rank and (
        rule.before_password_change or not who.must_change_password)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def check_request():
    """Let the request through, or answer: sign in first, change your password first, or not allowed."""
    if request.endpoint is None:
        return None  # no such address: the 404 or 405 answers
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("event=no_access_rule endpoint=%s", request.endpoint)
        abort(403, description=said("This address has no access rule, so nobody may use it."))
    if rule.role is None:
        return None
    who = visitor()
    if not who.is_authenticated:
        return _sign_in_first()
    logs.bind_user(who.username)
    if who.must_change_password and not rule.before_password_change:
        return _change_password_first()
    if who.role.rank < rule.role.rank:
        abort(403, description=said("Your role (%(role)s) cannot do this; an %(needed)s can. Ask an admin if you need it.",
                                    role=_ROLE_WORDS[who.role.value], needed=_ROLE_WORDS[rule.role.value]))
    if who.via == SESSION and request.method not in SAFE_METHODS and _wants_json() and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()  # a browser's session may write through the API only from this site's pages
    return None


def _sign_in_first():
    if _wants_json():
        response = jsonify(error="Sign in first: send an API token as “Authorization: Bearer <token>” (see POST /api/tokens).")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    wanted = request.full_path.rstrip("?") if request.method in SAFE_METHODS else None
    return redirect(url_for("people.login", next=wanted) if wanted and wanted != "/" else url_for("people.login"))


def _change_password_first():
    if _wants_json():
        response = jsonify(error="Change your password on the profile page before using the API.")
        response.status_code = 403
        return response
    return redirect(url_for("people.change_password"))
