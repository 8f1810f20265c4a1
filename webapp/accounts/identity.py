"""Who is asking: a session cookie from the sign-in page, or `Authorization: Bearer <token>` (Flask-Login)."""

from dataclasses import dataclass, field

from flask import Flask, Request, request
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user

from webapp.accounts.scope import Scope
from webapp.extensions import db
from webapp.models import Role, User

login_manager = LoginManager()
SESSION, TOKEN = "session", "token"


@dataclass(frozen=True)
class Visitor(UserMixin):
    """The signed-in user of this request: plain values read once, never an ORM row to lazy-load from."""

    id: int
    username: str
    role: Role
    scope: Scope
    must_change_password: bool = False
    session_version: int = 1
    # How this request proved who it is: SESSION (CSRF applies to its writes) or TOKEN.
    via: str = SESSION
    token_id: int | None = field(default=None, compare=False)

    def get_id(self) -> str:
        """Return what the session stores: the id and the version a password change or disabling moves on."""
        return f"{self.id}:{self.session_version}"


class Anonymous(AnonymousUserMixin):
    """Nobody signed in: no role and no region."""

    username = ""
    role = None
    scope = Scope.nothing()
    must_change_password = False
    via = None
    token_id = None


def visitor_of(user: User, via: str = SESSION, token_id: int | None = None) -> Visitor:
    """Return the request's view of a user row."""
    return Visitor(user.id, user.username, Role(user.role), Scope.of(user.regions), user.must_change_password,
                   user.session_version, via, token_id)


def bearer_secret(req: Request) -> str | None:
    """Return the token of an `Authorization: Bearer …` header, if the request has one."""
    scheme, _, secret = req.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


def init_app(app: Flask) -> None:
    """Load the visitor of each request from its session or its token."""
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
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return visitor_of(user)


@login_manager.request_loader
def _from_token(req: Request) -> Visitor | None:
    from webapp.accounts import tokens

    secret = bearer_secret(req)
    return tokens.visitor_for(secret) if secret else None


def visitor() -> Visitor | Anonymous:
    """Return who is asking in this request."""
    return current_user._get_current_object()
