"""A document is one uploaded workbook and the trace of how it was counted."""

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.category import Category
from webapp.models.user import User
from webapp.workbook.wording import Said


class DocumentStatus(enum.StrEnum):
    """Where a document is on its way from upload to counted."""

    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class FailureKind(enum.StrEnum):
    """What stopped a failed document: pages offer Retry only for the kinds a retry can help."""

    FILE = "file"  # the file cannot be read, or passes a limit: it fails the same way again
    MISSING = "missing"  # the stored original is gone
    MEMORY = "memory"  # reading it needs more memory than one file may use, or crashes the reader
    TIMEOUT = "timeout"  # past the time limit for one file (a less busy worker may finish it)
    CRASH = "crash"  # the worker was stopped from outside at every attempt


class Document(db.Model):
    """An uploaded workbook; `counted_total` proves what it added to its category."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("category_id", "sha256", name="uq_documents_category_sha256"),
        CheckConstraint("status IN ('queued', 'processing', 'done', 'failed')", name="ck_documents_status"),
        CheckConstraint("failure_kind IS NULL OR failure_kind IN ('file', 'missing', 'memory', 'timeout', 'crash')",
                        name="ck_documents_failure_kind"),
        Index("ix_documents_category_status", "category_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), server_default=DocumentStatus.QUEUED.value)
    error: Mapped[str | None] = mapped_column(Text)  # the reason in English (the API and exports send it)
    # The same reason as a sentence key and parameters (migration 0015), for pages in other languages.
    error_wording: Mapped[dict | None] = mapped_column(JSONB)
    # A FailureKind while failed (migration 0012); NULL otherwise, and for failures recorded before kinds were.
    failure_kind: Mapped[str | None] = mapped_column(String(16))
    total: Mapped[Decimal | None] = mapped_column(Numeric)
    text: Mapped[str | None] = mapped_column(Text)
    # Canonical forms of every number in the workbook, so `12.5` finds `12.50`.
    numbers: Mapped[str | None] = mapped_column(Text)
    breakdown: Mapped[dict | None] = mapped_column(JSONB)
    # Exactly-once proof: set in the same transaction as the category increment.
    counted_total: Mapped[Decimal | None] = mapped_column(Numeric)
    counted_at: Mapped[datetime | None]
    indexed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(server_default="0")
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Who uploaded it; NULL for files uploaded before accounts existed or whose uploader was deleted.
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    category: Mapped[Category] = relationship(lazy="joined")
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def reason(self) -> Said | str | None:
        """Return why it failed, as a sentence pages translate, or the stored English of a reason kept before."""
        return Said.from_json(self.error_wording) if self.error_wording else self.error

    @property
    def searchable(self) -> bool:
        """Tell whether the search index has caught up with this document."""
        return self.indexed_at is not None

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.filename!r} {self.status}>"
