"""Search covers the whole file: each document's text is indexed in chunks, not cut at 1,000,000 characters.

A new table `document_chunks` holds each done document's text in blocks of rows (at most 16,000
characters, a very long row cut at a field), with the line and field each block starts at and the
canonical forms of the numbers it writes; PostgreSQL search indexes each chunk's tsvector (GIN). A
file of one chunk (most files) keeps no copy of its text there: `text` NULL means the document's.
The documents' own tsvector goes. Existing documents are marked "not yet searchable": the worker's
sweeper (or `flask search reindex`, which with Elasticsearch is needed for the new index layout)
splits and indexes them again from the text PostgreSQL keeps.

Revision ID: 0010_text_chunks
Revises: 0009_name_keys
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

revision = "0010_text_chunks"
down_revision = "0011_ledger"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document_chunks",
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("first_line", sa.Integer, nullable=False),
        sa.Column("first_column", sa.Integer, nullable=False, server_default="0"),
        # NULL: the chunk is the document's whole text (most files), read from documents.text, not copied.
        sa.Column("text", sa.Text),
        sa.Column("numbers", sa.Text, nullable=False, server_default=""),
        sa.Column("tsv", TSVECTOR),
        sa.PrimaryKeyConstraint("document_id", "seq", name="pk_document_chunks"),
    )
    # Checking a phrase or ranking reads the vector: keep it in the row rather than in TOAST (see 0003).
    op.execute("ALTER TABLE document_chunks ALTER COLUMN tsv SET STORAGE MAIN")
    op.execute("CREATE INDEX ix_document_chunks_tsv ON document_chunks USING gin (tsv)")
    op.execute("DROP INDEX IF EXISTS ix_documents_tsv")
    op.drop_column("documents", "tsv")
    op.execute("UPDATE documents SET indexed_at = NULL WHERE status = 'done'")


def downgrade():
    op.add_column("documents", sa.Column("tsv", TSVECTOR))
    op.execute("ALTER TABLE documents ALTER COLUMN tsv SET STORAGE MAIN")
    op.execute("CREATE INDEX ix_documents_tsv ON documents USING gin (tsv)")
    op.drop_table("document_chunks")
    # The older search fills each document's vector again (sweeper or `flask search reindex`).
    op.execute("UPDATE documents SET indexed_at = NULL WHERE status = 'done'")
