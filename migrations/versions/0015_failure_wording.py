"""Keep a failed document's reason as a sentence key and its parameters, so pages say it in the reader's language.

`error` keeps the English text (the API and exports send it); `error_wording` is {"key", "params"} (see
webapp/workbook/wording.py). Reasons recorded before have no wording: pages show their stored English text.

Revision ID: 0015_failure_wording
Revises: 0014_user_language
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015_failure_wording"
down_revision = "0014_user_language"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("documents", sa.Column("error_wording", postgresql.JSONB(), nullable=True))


def downgrade():
    op.drop_column("documents", "error_wording")
