"""Pages for categories, uploads, documents and totals."""

from flask import Blueprint

from webapp import names, number_format
from webapp.models import DocumentStatus
from webapp.services.answers import failures

bp = Blueprint("main", __name__)
# Templates compare statuses by name, not by spelling them out.
bp.add_app_template_global(DocumentStatus, "DocumentStatus")
# Totals on pages: grouped and exact (webapp/number_format.py); `exact` is the plain value, for copying.
bp.add_app_template_filter(number_format.grouped, "grouped")
bp.add_app_template_filter(number_format.breakable, "breakable")
# What failed and whether Retry can help (only then do pages offer it).
bp.add_app_template_global(failures.explain, "failure_of")


@bp.record_once
def _show_text_safely(state) -> None:
    # Every value a page prints goes through here: file names are kept as written, but a direction
    # override in one must not show `x\u202egnp.csv` as "xvsc.png". Set before any template compiles.
    state.app.jinja_env.finalize = names.shown

from webapp.main import routes  # noqa: E402,F401


@bp.app_template_filter("exact")
def exact(value) -> str:
    """Show an exact decimal without float noise or exponents."""
    from webapp.workbook.numbers import display_number

    return "—" if value is None else display_number(value)
from webapp.main import actions, history  # noqa: E402,F401
