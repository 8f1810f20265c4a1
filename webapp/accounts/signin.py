"""Signing in and out: check credentials (failures logged, never the password), then start or end the session."""

from flask import session
from flask_login import login_user, logout_user

from webapp.accounts import events, passwords, users
from webapp.accounts.identity import visitor, visitor_of
from webapp.extensions import db
from webapp.models import User


def check_credentials(username: object, password: object, via: str) -> User | None:
    """Return the active user these credentials belong to, or None (logged as a failed sign-in)."""
    name = username.strip() if isinstance(username, str) else ""
    user = users.find_user(name) if name else None
    right = passwords.matches(user.password_hash if user else None, password)
    if not right or not user.active:
        events.sign_in_failed(name[:64], via)
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)  # the cost settings changed since it was made
        db.session.commit()
    events.signed_in(user.username, via)
    return user


def start_session(user: User) -> None:
    """Sign this browser in as the user, dropping whatever the session held before."""
    session.clear()
    login_user(visitor_of(user))


def end_session() -> None:
    """Sign this browser out."""
    username = visitor().username
    logout_user()
    session.clear()
    if username:
        events.signed_out(username)
