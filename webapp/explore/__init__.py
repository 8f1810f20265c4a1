"""Pages for searching file contents and finding regions."""

from flask import Blueprint

bp = Blueprint("explore", __name__)

from webapp.explore import routes  # noqa: E402,F401
