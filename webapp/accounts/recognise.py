"""Recognise the visitor of each request, from its session cookie or its API token (Flask-Login's loaders)."""

from flask import Flask, Request, g, has_request_context, request
from flask_login import LoginManager
from sqlalchemy import event

from webapp.accounts import tokens
from webapp.accounts.identity import VISITOR_BY_ID, Anonymous, Visitor, bearer_secret, note_snapshot, visitor_of
from webapp.extensions import db

login_manager = LoginManager()


def _count_statement(*_args) -> None:
    if has_request_context():
        g._statements = g.get("_statements", 0) + 1


def init_app(app: Flask) -> None:
    """Load the visitor of each request from its session or its token."""
    with app.app_context():
        # Any statement after the lookup (a write above all) makes its snapshot unusable for this request.
        event.listen(db.engine, "before_cursor_execute", _count_statement)
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    # Only the access rules decide where an anonymous visitor goes (webapp/accounts/access.py).
    login_manager.login_view = None


@login_manager.user_loader
def _from_session(value: str) -> Visitor | None:
    # A request that names a token is judged by that token alone, even from a signed-in browser (Swagger UI).
    if bearer_secret(request) is not None:
        return None
    user_id, _, version = value.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.execute(VISITOR_BY_ID, {"id": int(user_id)}).first()
    if user is None or str(user.session_version) != version:
        return None  # deleted, disabled, or signed in before a password change or the disabling
    note_snapshot(user)
    return visitor_of(user)


@login_manager.request_loader
def _from_token(req: Request) -> Visitor | None:
    secret = bearer_secret(req)
    return tokens.visitor_for(secret) if secret else None
