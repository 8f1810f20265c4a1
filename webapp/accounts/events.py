"""Everything worth an audit passes through one function here: it logs a key=value line and appends the event.

Account events (sign-in, users, tokens) happen after their own commit and are written in a transaction of their
own; changes to files, categories and totals are written in the transaction of the change (`with_change`), so an
event exists exactly when its change does. Never a password or token.
"""

import json
import logging

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webapp.extensions import db

log = logging.getLogger("webapp.accounts")

_APPEND = text("""
    INSERT INTO audit_events (actor, kind, object, detail, address)
    VALUES (:actor, :kind, :object, CAST(:detail AS jsonb), :address)
""")


def _address() -> str:
    return (request.remote_addr or "-") if has_request_context() else "cli"


def _signed_in_username() -> str | None:
    """Return who is asking in this request, or None (nobody signed in, or a command)."""
    if not has_request_context():
        return None
    return getattr(current_user, "username", None) or None


def _record(kind: str, subject: str | None, *, actor: str | None, object: str | None = None,
            with_change: bool = False, warn: bool = False, **details: object) -> None:
    extra = "".join(f" {key}={value!r}" for key, value in details.items())
    (log.warning if warn else log.info)("event=%s user=%r address=%s%s", kind, subject, _address(), extra)
    row = {"actor": actor, "kind": kind, "object": object, "address": _address()[:64],
           "detail": json.dumps(details, default=str, ensure_ascii=False)}
    if with_change:
        db.session.execute(_APPEND, row)  # committed (or rolled back) with the change it records
        return
    try:
        with db.engine.begin() as connection:
            connection.execute(_APPEND, row)
    except SQLAlchemyError as exc:
        # What it records has happened already (committed); failing now would only hide that from the caller.
        log.error("event=%s state=not_recorded reason=%r", kind, str(exc).splitlines()[0])


def _user(username: str) -> str:
    return f"user {username}"


def signed_in(username: str, via: str) -> None:
    """Record a successful sign-in (via the form or by creating a token)."""
    _record("signed_in", username, actor=username, object=_user(username), via=via)


def sign_in_failed(username: str, via: str) -> None:
    """Record a refused sign-in: wrong password, unknown or disabled user."""
    _record("sign_in_failed", username, actor=None, object=_user(username), warn=True, via=via)


def sign_in_throttled(username: str) -> None:
    """Record a sign-in refused because of too many failures."""
    _record("sign_in_throttled", username, actor=None, object=_user(username), warn=True)


def signed_out(username: str) -> None:
    """Record a sign-out."""
    _record("signed_out", username, actor=username, object=_user(username))


def user_created(username: str, by: str, role: str, regions: list[str]) -> None:
    """Record a new account."""
    _record("user_created", username, actor=by, object=_user(username), by=by, role=role, regions=regions)


def user_changed(username: str, by: str, changes: list[str]) -> None:
    """Record which fields of an account changed (role, regions, password, active)."""
    _record("user_changed", username, actor=by, object=_user(username), by=by, changes=changes)


def user_disabled(username: str, by: str) -> None:
    """Record an account disabled: its sessions and tokens stopped working."""
    _record("user_disabled", username, actor=by, object=_user(username), by=by)


def user_deleted(username: str, by: str) -> None:
    """Record an account deleted."""
    _record("user_deleted", username, actor=by, object=_user(username), by=by)


def token_created(username: str, name: str, token_id: int) -> None:
    """Record a new API token (never its value)."""
    _record("token_created", username, actor=username, object=f"token #{token_id}", token=token_id, name=name)


def token_revoked(username: str, token_id: int) -> None:
    """Record a revoked API token."""
    _record("token_revoked", username, actor=username, object=f"token #{token_id}", token=token_id)


def _category(name: str) -> str:
    return f"category {name}"


def _file(document_id: int, filename: str) -> str:
    return f"file #{document_id} {filename}"


def category_created(name: str, region: str, type: str) -> None:
    """Record a new category, in the transaction that creates it."""
    _record("category_created", _signed_in_username(), actor=_signed_in_username(), object=_category(name),
            with_change=True, region=region, type=type)


def category_deleted(name: str, files: int) -> None:
    """Record a category deleted with its files, in the transaction that deletes it."""
    _record("category_deleted", _signed_in_username(), actor=_signed_in_username(), object=_category(name),
            with_change=True, files=files)


def file_uploaded(document_id: int, filename: str, category: str) -> None:
    """Record an accepted upload, in the transaction that records the document."""
    _record("file_uploaded", _signed_in_username(), actor=_signed_in_username(), object=_file(document_id, filename),
            with_change=True, category=category)


def file_deleted(document_id: int, filename: str, category: str, subtracted: object) -> None:
    """Record a file deleted and what came off its category's total, in the transaction that deletes it."""
    _record("file_deleted", _signed_in_username(), actor=_signed_in_username(), object=_file(document_id, filename),
            with_change=True, category=category, subtracted=subtracted)


def file_retried(document_id: int, filename: str) -> None:
    """Record a failed file sent back to the queue, in the transaction that requeues it."""
    _record("file_retried", _signed_in_username(), actor=_signed_in_username(), object=_file(document_id, filename),
            with_change=True)


def file_reprocessed(document_id: int, filename: str) -> None:
    """Record that someone asked for a file to be read again (the ledger records what it changed)."""
    _record("file_reprocessed", _signed_in_username(), actor=_signed_in_username(), object=_file(document_id, filename))


def files_reprocessed(category: str | None, files: int) -> None:
    """Record that someone asked for every file of a category (or of all categories) to be read again."""
    _record("file_reprocessed", _signed_in_username(), actor=_signed_in_username(),
            object=_category(category) if category else "every category", files=files)


def totals_repaired(categories: list[str]) -> None:
    """Record a `totals repair` and the categories it set, in the transaction that sets them."""
    _record("totals_repaired", _signed_in_username(), actor=_signed_in_username(), object="totals", with_change=True,
            categories=categories)


def backup_created(path: str) -> None:
    """Record a backup written."""
    _record("backup_created", _signed_in_username(), actor=_signed_in_username(), object=f"backup {path}")


def backup_restored(path: str) -> None:
    """Record a backup restored into this installation."""
    _record("backup_restored", _signed_in_username(), actor=_signed_in_username(), object=f"backup {path}")
