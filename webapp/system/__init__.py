"""The operators' room: the System page and its actions (admins), and the Prometheus scrape at /metrics."""

from flask import Blueprint

bp = Blueprint("system", __name__)

from webapp.system import routes  # noqa: E402,F401
