"""The first admin: from ADMIN_USER + ADMIN_PASSWORD, or `admin` with a random password to change at first sign-in."""

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from webapp.accounts import users
from webapp.extensions import db
from webapp.models import Role

log = logging.getLogger(__name__)
PASSWORD_FILE = "initial-admin-password"
DEFAULT_USERNAME = "admin"
# Two starts at once (web and migrate, two runners) must not both create a first admin.
_ONE_AT_A_TIME = text("SELECT pg_advisory_xact_lock(hashtextextended('first-admin', 0))")


@dataclass
class FirstAdmin:
    """The admin just created; `password` is set only when it was generated (and must be changed)."""

    username: str
    password: str | None
    password_file: Path | None


def password_file() -> Path:
    """Return where a generated first password is kept until its first sign-in."""
    return Path(current_app.config["INSTANCE_DIR"]) / PASSWORD_FILE


def create_first_admin() -> FirstAdmin | None:
    """Create the first admin if no user exists yet; return it, or None when there are users already."""
    db.session.execute(_ONE_AT_A_TIME)
    if users.count_users():
        db.session.rollback()
        return None
    username, password = current_app.config["ADMIN_USER"], current_app.config["ADMIN_PASSWORD"]
    if username and password:
        users.create_user(username, password, Role.ADMIN, by="ADMIN_USER")
        return FirstAdmin(users.clean_username(username), None, None)
    password = secrets.token_urlsafe(15)
    users.create_user(username or DEFAULT_USERNAME, password, Role.ADMIN, by="first start", must_change_password=True)
    return FirstAdmin(username or DEFAULT_USERNAME, password, _keep(password))


def _keep(password: str) -> Path | None:
    """Write the generated password where only this account (mode 600) can read it; None if that is impossible."""
    path = password_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(password + "\n")
        path.chmod(0o600)
    except OSError as exc:
        log.warning("event=first_admin_password_file state=not_written path=%s reason=%r", path, str(exc))
        return None
    return path


def forget_initial_password() -> None:
    """Delete the generated password's file once it has been changed."""
    password_file().unlink(missing_ok=True)
