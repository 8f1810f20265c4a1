"""Who is asking: a session cookie from the sign-in page, or `Authorization: Bearer <token>` (Flask-Login)."""

from dataclasses import dataclass, field

from flask import Request, g, has_request_context
from flask_login import AnonymousUserMixin, UserMixin, current_user
from sqlalchemy import text

from webapp.accounts.scope import Scope
from webapp.models import Role

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
    # The language chosen on the profile (webapp/language.py); None: the browser's Accept-Language decides.
    language: str | None = None

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
    language = None


# What a request needs to know of its user, read as plain values (an ORM row costs more to build), and the
# database snapshot at that moment: the request's first cached answer then needs no query of its own to
# learn it (services/answers/snapshot_cache.py), so identifying the caller adds no round trip there.
# Plain SQL, prebuilt: building and compiling a select per request cost more than the query itself.
VISITOR_COLUMNS = """u.id, u.username, u.role, u.regions, u.must_change_password, u.session_version, u.language,
                     pg_current_snapshot()::text AS snapshot, pg_current_xact_id_if_assigned() IS NULL AS clean"""
VISITOR_BY_ID = text(f"SELECT {VISITOR_COLUMNS} FROM users u WHERE u.id = :id AND u.active")


def visitor_of(user, via: str = SESSION, token_id: int | None = None) -> Visitor:
    """Return the request's view of a user (a User, or a row of VISITOR_COLUMNS)."""
    return Visitor(user.id, user.username, Role(user.role), Scope.of(user.regions), user.must_change_password,
                   user.session_version, via, token_id, user.language)


def bearer_secret(req: Request) -> str | None:
    """Return the token of an `Authorization: Bearer …` header, if the request has one."""
    scheme, _, secret = req.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


def note_snapshot(row) -> None:
    """Keep the snapshot a lookup read, with how many statements the request had run by then."""
    g._visitor_snapshot = (row.snapshot, row.clean, g.get("_statements", 0))


def snapshot_if_unchanged() -> tuple[str, bool] | None:
    """Return (snapshot, clean) as the lookup read them, if this request has run no statement since."""
    seen = g.get("_visitor_snapshot") if has_request_context() else None
    return seen[:2] if seen and seen[2] == g.get("_statements", 0) else None


def visitor() -> Visitor | Anonymous:
    """Return who is asking in this request."""
    return current_user._get_current_object()
