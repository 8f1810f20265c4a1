"""Find the category or document a page is about, or answer 404 with a plain message."""

from flask import abort
from flask_babel import gettext as _

from webapp.services.answers import categories, documents


def category_or_404(name: str):
    """Return the category with this name (any letter case), or stop with 404."""
    category = categories.find_category(name)
    if category is None:
        abort(404, description=_("There is no category named “%(name)s”.", name=name))
    return category


def document_or_404(document_id: int):
    """Return the document with this id, or stop with 404."""
    document = documents.get_document(document_id)
    if document is None:
        abort(404, description=_("There is no file #%(id)s; it may have been deleted.", id=document_id))
    return document
