"""Accent-folded full-text search: `café` finds `cafe`, as with the Elasticsearch backend.

Revision ID: 0002_accent_folding
Revises: 0001
"""
from alembic import op

revision = "0002_accent_folding"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # unaccent is a trusted extension (PostgreSQL 13+): the database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE TEXT SEARCH CONFIGURATION simple_folded (COPY = simple)")
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION simple_folded "
        "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple"
    )
    # Vectors built with the old configuration keep their accents; the worker's start-up sweep
    # (catch_up_index) rebuilds them, instead of holding this migration for a full re-index.
    op.execute("UPDATE documents SET tsv = NULL, indexed_at = NULL WHERE tsv IS NOT NULL")


def downgrade():
    op.execute("UPDATE documents SET tsv = NULL, indexed_at = NULL WHERE tsv IS NOT NULL")
    op.execute("DROP TEXT SEARCH CONFIGURATION simple_folded")
    op.execute("DROP EXTENSION IF EXISTS unaccent")
