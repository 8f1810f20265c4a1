"""Pages for categories, uploads, documents and totals."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from webapp.main import routes  # noqa: E402,F401


@bp.app_template_filter("exact")
def exact(value) -> str:
    """Show an exact decimal without float noise or exponents."""
    from webapp.services.numbers import display_number

    return "—" if value is None else display_number(value)
from webapp.main import actions  # noqa: E402,F401
