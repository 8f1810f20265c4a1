"""A user's language, chosen on the profile or from the footer (NULL: the browser's Accept-Language decides).

Revision ID: 0014_user_language
Revises: 0010_text_chunks
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_user_language"
down_revision = "0010_text_chunks"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("language", sa.String(8), nullable=True))


def downgrade():
    op.drop_column("users", "language")
