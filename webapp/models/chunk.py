"""A chunk of a document's text as search indexes it: a block of rows, where it starts, its numbers."""

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db


class DocumentChunk(db.Model):
    """One block of a done document's text; rebuilt from the document by `flask search reindex`."""

    __tablename__ = "document_chunks"
    __table_args__ = (Index("ix_document_chunks_tsv", "tsv", postgresql_using="gin"),)

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    # The grid line (row) and field (column) the chunk starts at; -1 for the document's numbers list.
    first_line: Mapped[int]
    first_column: Mapped[int] = mapped_column(server_default="0")
    # NULL when the chunk is the document's whole text (most files): it is read from the document, not copied.
    text: Mapped[str | None] = mapped_column(Text)
    numbers: Mapped[str] = mapped_column(Text, server_default="")
    tsv = mapped_column(TSVECTOR)
