"""The ledger: one row per change of a category's total, written with the change itself."""

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db


class ChangeKind(enum.StrEnum):
    """What moved a total."""

    OPENING = "opening"
    COUNTED = "counted"
    REMOVED = "removed"
    REPROCESSED = "reprocessed"
    WITHDRAWN = "withdrawn"
    REPAIRED = "repaired"


class TotalChange(db.Model):
    """A signed amount added to a category's total, the total it left, and who caused it."""

    __tablename__ = "total_changes"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('opening', 'counted', 'removed', 'reprocessed', 'withdrawn', 'repaired')",
            name="ck_total_changes_kind",
        ),
        # As of an instant: the latest row of a category before it, one index lookup; also history, newest first.
        Index("ix_total_changes_category_at", "category_id", "at", "id"),
        Index("ix_total_changes_document_id", "document_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    # No foreign key: the row, its document id and file name outlive a deleted document.
    document_id: Mapped[int | None]
    filename: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Numeric)
    total_after: Mapped[Decimal] = mapped_column(Numeric)
    documents_after: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The username when it happened, kept after the account is deleted.
    by_username: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
