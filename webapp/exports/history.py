"""A category's history as a download: every change of its total from the ledger, newest first."""

from datetime import UTC, datetime

from webapp.exports.naming import stem
from webapp.exports.tables import NUMBER, TIME, Column, Export, Sheet
from webapp.models import Category
from webapp.services.answers import history

COLUMNS = [
    Column("At (UTC)", TIME, 20), Column("Kind", width=12), Column("File", width=36), Column("Amount", NUMBER, 30),
    Column("Total after", NUMBER, 30), Column("By"),
]


def category_history(category: Category) -> Export:
    """Return a category's changes as the History tab and the history JSON list them, every page at once."""
    return Export(stem("history", category.name), [Sheet("History", COLUMNS, _rows(history.each_change(category)))])


def _rows(changes):
    for change in changes:
        yield (_utc(change.at), change.kind, change.filename, change.amount, change.total_after, change.by)


def _utc(at: datetime) -> datetime:
    """Return the instant as UTC wall time: a spreadsheet cell has no time zone, and the header says UTC."""
    return at.astimezone(UTC).replace(tzinfo=None)
