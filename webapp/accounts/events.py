"""Everything that happens to an account passes through one function here (the audit trail hooks in).

Each logs one key=value line with the username and the address it came from; never a password or token.
"""

import logging

from flask import has_request_context, request

log = logging.getLogger("webapp.accounts")


def _address() -> str:
    return (request.remote_addr or "-") if has_request_context() else "cli"


def _record(event: str, username: str, **details: object) -> None:
    extra = "".join(f" {key}={value!r}" for key, value in details.items())
    log.info("event=%s user=%r address=%s%s", event, username, _address(), extra)


def signed_in(username: str, via: str) -> None:
    """Record a successful sign-in (via the form or by creating a token)."""
    _record("signed_in", username, via=via)


def sign_in_failed(username: str, via: str) -> None:
    """Record a refused sign-in: wrong password, unknown or disabled user."""
    log.warning("event=sign_in_failed user=%r address=%s via=%s", username, _address(), via)


def sign_in_throttled(username: str) -> None:
    """Record a sign-in refused because of too many failures."""
    log.warning("event=sign_in_throttled user=%r address=%s", username, _address())


def signed_out(username: str) -> None:
    """Record a sign-out."""
    _record("signed_out", username)


def user_created(username: str, by: str, role: str, regions: list[str]) -> None:
    """Record a new account."""
    _record("user_created", username, by=by, role=role, regions=regions)


def user_changed(username: str, by: str, changes: list[str]) -> None:
    """Record which fields of an account changed (role, regions, password, active)."""
    _record("user_changed", username, by=by, changes=changes)


def user_disabled(username: str, by: str) -> None:
    """Record an account disabled: its sessions and tokens stopped working."""
    _record("user_disabled", username, by=by)


def user_deleted(username: str, by: str) -> None:
    """Record an account deleted."""
    _record("user_deleted", username, by=by)


def token_created(username: str, name: str, token_id: int) -> None:
    """Record a new API token (never its value)."""
    _record("token_created", username, token=token_id, name=name)


def token_revoked(username: str, token_id: int) -> None:
    """Record a revoked API token."""
    _record("token_revoked", username, token=token_id)
