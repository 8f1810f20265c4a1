"""A category's files as a download: name, status, upload time and uploader, exact total and error."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from webapp.exports.naming import stem
from webapp.exports.tables import NUMBER, TIME, TOTAL_LABEL, Column, Export, Sheet
from webapp.language import spoken
from webapp.models import Category, DocumentStatus
from webapp.services.answers import documents

COLUMNS = [
    Column(_l("File"), width=36), Column(_l("Status"), width=12), Column(_l("Uploaded at"), TIME, 20),
    Column(_l("Uploaded by")), Column(TOTAL_LABEL, NUMBER, 30), Column(_l("Error"), width=48),
]


def category_files(category: Category) -> Export:
    """Return a category's files newest first, ending with the total of the counted ones."""
    counted = {"total": Decimal(0)}

    def rows():
        for filename, status, uploaded_at, uploaded_by, total, error in documents.each_document(category):
            # As on the page: a file has a total only once it is done.
            shown = total if status == DocumentStatus.DONE and total is not None else None
            counted["total"] += shown or 0
            yield (filename, status, uploaded_at, uploaded_by, shown, spoken(error) if error else None)

    return Export(stem("files", category.name), [
        Sheet(_l("Files"), COLUMNS, rows(), lambda: (TOTAL_LABEL, None, None, None, counted["total"], None)),
    ])
