"""Pages about people: sign in and out, one's profile (password, API tokens) and, for admins, the Users page."""

from flask import Blueprint

bp = Blueprint("people", __name__)

from webapp.people import audit, routes, users  # noqa: E402,F401
