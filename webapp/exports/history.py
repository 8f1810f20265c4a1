"""A category's history as a download: every change of its total from the ledger, newest first."""

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l

from webapp.exports.naming import stem
from webapp.exports.tables import NUMBER, TIME, Column, Export, Sheet
from webapp.models import Category
from webapp.services.answers import history

COLUMNS = [
    Column(_l("At (UTC)"), TIME, 20), Column(_l("Kind"), width=12), Column(_l("File"), width=36),
    Column(_l("Amount"), NUMBER, 30), Column(_l("Total after"), NUMBER, 30), Column(_l("By")),
]


def category_history(category: Category) -> Export:
    """Return a category's changes as the History tab and the history JSON list them, every page at once."""
    return Export(stem("history", category.name), [Sheet(_l("History"), COLUMNS, _rows(history.each_change(category)))])


def _rows(changes):
    for change in changes:
        yield (_utc(change.at), change.kind, change.filename, change.amount, change.total_after, change.by)


def _utc(at: datetime) -> datetime:
    """Return the instant as UTC wall time: a spreadsheet cell has no time zone, and the header says UTC."""
    return at.astimezone(UTC).replace(tzinfo=None)
