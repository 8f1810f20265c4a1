"""What a document's page shows without opening its file: the cells behind its total and its preview.

The worker writes one row per counted document (in the transaction that counts it, so the cells always
explain the total shown), and the page reads it. Documents counted before this revision have no row: their
page asks a job to build the preview (and the cell list, when the file still gives the counted total).

Revision ID: 0013_explain
Revises: 0009_name_keys
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013_explain"
down_revision = "0012_failure_kinds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document_details",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("cells", JSONB(), nullable=True),
        sa.Column("preview", JSONB(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
    )


def downgrade():
    op.drop_table("document_details")
