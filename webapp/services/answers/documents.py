"""Read documents: one with its category, or a category's files newest first (only of visible categories)."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.accounts import scope
from webapp.extensions import db
from webapp.models import Category, Document


def get_document(document_id: int) -> Document | None:
    """Return one document with its category, or None if there is none or its region is not visible."""
    document = db.session.get(Document, document_id)
    if document is None or not scope.current().allows(document.category.region):
        return None
    return document


def list_documents(category: Category) -> list[Document]:
    """Return a category's documents, newest first, with who uploaded each (the category was looked up in scope)."""
    scope.current().require(category.region)
    return list(
        db.session.scalars(
            select(Document).options(joinedload(Document.uploaded_by))
            .where(Document.category_id == category.id).order_by(Document.id.desc())
        )
    )
