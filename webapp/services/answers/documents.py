"""Read documents: one with its category, or a category's files newest first (only of visible categories), and
the name a download gets."""

import re
from collections.abc import Iterator

from sqlalchemy import Row, select
from sqlalchemy.orm import joinedload

from webapp.accounts import scope
from webapp.extensions import db
from webapp.models import Category, Document, User
from webapp.workbook.wording import Said


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


# Characters no file system takes in a name (Windows' list, which covers the others), and control characters.
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def download_name(filename: str) -> str:
    """Return the file's name made safe to save: no folders, no characters a file system refuses.

    The name stays as the user wrote it everywhere else; only the download's Content-Disposition needs this.
    """
    safe = _UNSAFE_IN_NAME.sub("_", filename).strip(" .")
    return safe or "workbook"


# Files an export reads at a time.
STREAM_ROWS = 500


def each_document(category: Category) -> Iterator[Row]:
    """Return a category's files newest first, as its page lists them: filename, status, uploaded at, by, total, and
    why it failed (a sentence with its key, or the English stored before reasons had keys).

    Read STREAM_ROWS at a time, each batch a query of its own (a CSV outlives its view's database session).
    """
    scope.current().require(category.region)
    return _each_document(category.id)


def _each_document(category_id: int) -> Iterator[Row]:
    query = (
        select(Document.filename, Document.status, Document.created_at, User.username, Document.total, Document.error,
               Document.id, Document.error_wording)
        .outerjoin(User, User.id == Document.uploaded_by_id)
        .where(Document.category_id == category_id).order_by(Document.id.desc()).limit(STREAM_ROWS)
    )
    before = None
    while True:
        batch = db.session.execute(query if before is None else query.where(Document.id < before)).all()
        for row in batch:
            yield (*row[:5], Said.from_json(row[7]) if row[7] else row[5])
        if len(batch) < STREAM_ROWS:
            return
        before = batch[-1][6]
