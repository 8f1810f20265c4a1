"""Find the category or document a page is about, or answer 404 with a plain message."""

from flask import abort

from webapp.services.answers import categories, documents


def category_or_404(name: str):
    """Return the category with this name (any letter case), or stop with 404."""
    category = categories.find_category(name)
    if category is None:
        abort(404, description=f"There is no category named “{name}”.")
    return category


def document_or_404(document_id: int):
    """Return the document with this id, or stop with 404."""
    document = documents.get_document(document_id)
    if document is None:
        abort(404, description=f"There is no file #{document_id}; it may have been deleted.")
    return document
