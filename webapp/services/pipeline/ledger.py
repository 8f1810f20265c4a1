"""The only writer of category totals: each change and its ledger row are one statement, so neither exists alone.

The category row's lock (taken by the UPDATE) orders every change of one category, and the row's time is read
after it (`clock_timestamp()`), so a category's rows are in the order its total moved, by time and by id.
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text

from webapp.extensions import db
from webapp.models import ChangeKind

# The category's total moves by :amount, and the row says by how much, what it left and who caused it.
_CHANGE = text("""
    WITH changed AS (
        UPDATE categories SET total = total + CAST(:amount AS numeric), documents = documents + :files, updated_at = now()
         WHERE id = :category_id
     RETURNING id, name, total, documents
    ), logged AS (
        INSERT INTO total_changes (category_id, document_id, filename, kind, amount, total_after, documents_after,
                                   user_id, by_username, at)
        SELECT changed.id, CAST(:document_id AS integer), CAST(:filename AS text), CAST(:kind AS text),
               CAST(:amount AS numeric), changed.total, changed.documents,
               u.id, u.username, clock_timestamp()
          FROM changed LEFT JOIN users u ON u.id = CAST(:user_id AS integer)
        RETURNING id
    )
    SELECT name, total FROM changed
""")

# A repair sets a total outright; the row's amount is what brings the ledger's own sum to it.
_CORRECT = text("""
    WITH ledger AS (
        SELECT coalesce(sum(amount), 0) AS total FROM total_changes WHERE category_id = :category_id
    ), changed AS (
        UPDATE categories SET total = CAST(:total AS numeric), documents = :files, updated_at = now()
         WHERE id = :category_id
     RETURNING id, name, total, documents
    ), logged AS (
        INSERT INTO total_changes (category_id, kind, amount, total_after, documents_after, user_id, by_username, at)
        SELECT changed.id, 'repaired', changed.total - ledger.total, changed.total, changed.documents,
               u.id, u.username, clock_timestamp()
          FROM changed CROSS JOIN ledger LEFT JOIN users u ON u.id = CAST(:user_id AS integer)
        RETURNING id
    )
    SELECT name, total FROM changed
""")


@dataclass(frozen=True)
class Source:
    """The document a change comes from (kept on the row after the document is deleted)."""

    document_id: int
    filename: str


def change(category_id: int, kind: ChangeKind, amount: Decimal, *, files: int = 0, source: Source | None = None,
           by: int | None = None) -> str | None:
    """Move a category's total and file count and append the ledger row, in the caller's transaction; return its name."""
    row = db.session.execute(_CHANGE, {
        "category_id": category_id, "kind": kind.value, "amount": amount, "files": files,
        "document_id": source.document_id if source else None, "filename": source.filename if source else None,
        "user_id": by,
    }).first()
    return None if row is None else row.name


def correct(category_id: int, total: Decimal, files: int, *, by: int | None = None) -> None:
    """Set a category's total and file count outright and append a `repaired` row, in the caller's transaction."""
    db.session.execute(_CORRECT, {"category_id": category_id, "total": total, "files": files, "user_id": by})
