"""Read documents: one with its category, or a category's files newest first."""

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Category, Document


def get_document(document_id: int) -> Document | None:
    """Return one document with its category."""
    return db.session.get(Document, document_id)


def list_documents(category: Category) -> list[Document]:
    """Return a category's documents, newest first."""
    return list(
        db.session.scalars(
            select(Document).where(Document.category_id == category.id).order_by(Document.id.desc())
        )
    )
