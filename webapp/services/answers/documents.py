"""Read documents: one with its category, or a category's files newest first, and the name a download gets."""

import re

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


# Characters no file system takes in a name (Windows' list, which covers the others), and control characters.
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def download_name(filename: str) -> str:
    """Return the file's name made safe to save: no folders, no characters a file system refuses.

    The name stays as the user wrote it everywhere else; only the download's Content-Disposition needs this.
    """
    safe = _UNSAFE_IN_NAME.sub("_", filename).strip(" .")
    return safe or "workbook"
