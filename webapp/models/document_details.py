"""What a document's page shows without opening its file, written by the worker."""

from datetime import datetime

from sqlalchemy import ForeignKey, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db


class DocumentDetails(db.Model):
    """The cells behind a document's total (`cells`, bounded lists per sheet) and its preview."""

    __tablename__ = "document_details"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    cells: Mapped[dict | None] = mapped_column(JSONB)
    preview: Mapped[dict | None] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
