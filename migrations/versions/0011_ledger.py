"""The ledger of every change to a category's total, and the append-only audit trail.

Existing data: each category gets one `opening` row dated when the category was created, holding
what its documents do not explain (its total minus their contributions, usually 0), then one
`counted` row per counted document at its `counted_at`, with the running total after each, so the
latest row's total is the category's total at migration time and history starts where data does.

Revision ID: 0011_ledger
Revises: 0013_explain
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_ledger"
down_revision = "0013_explain"
branch_labels = None
depends_on = None

_KINDS = "kind IN ('opening', 'counted', 'removed', 'reprocessed', 'withdrawn', 'repaired')"

_OPENING_ROWS = """
    INSERT INTO total_changes (category_id, kind, amount, total_after, documents_after, at)
    SELECT c.id, 'opening', c.total - coalesce(s.total, 0), c.total - coalesce(s.total, 0),
           c.documents - coalesce(s.files, 0), c.created_at
      FROM categories c
 LEFT JOIN (SELECT category_id, sum(counted_total) AS total, count(*) AS files
              FROM documents WHERE counted_at IS NOT NULL GROUP BY category_id) s ON s.category_id = c.id
     ORDER BY c.id
"""
_COUNTED_ROWS = """
    INSERT INTO total_changes (category_id, document_id, filename, kind, amount, total_after, documents_after,
                               user_id, by_username, at)
    SELECT d.category_id, d.id, d.filename, 'counted', d.counted_total,
           o.total_after + sum(d.counted_total) OVER running,
           o.documents_after + count(*) OVER running,
           d.uploaded_by_id, u.username, d.counted_at
      FROM documents d
      JOIN total_changes o ON o.category_id = d.category_id AND o.kind = 'opening'
 LEFT JOIN users u ON u.id = d.uploaded_by_id
     WHERE d.counted_at IS NOT NULL
    WINDOW running AS (PARTITION BY d.category_id ORDER BY d.counted_at, d.id)
     ORDER BY d.category_id, d.counted_at, d.id
"""
_APPEND_ONLY = """
    CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP;
    END $$;
    CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
"""


def upgrade():
    op.create_table(
        "total_changes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=False),
        sa.Column("total_after", sa.Numeric(), nullable=False),
        sa.Column("documents_after", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("by_username", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"), nullable=False),
        sa.CheckConstraint(_KINDS, name="ck_total_changes_kind"),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_total_changes_category_at", "total_changes", ["category_id", "at", "id"])
    op.create_index("ix_total_changes_document_id", "total_changes", ["document_id"])
    op.execute(_OPENING_ROWS)
    op.execute(_COUNTED_ROWS)
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("object", sa.Text(), nullable=True),
        sa.Column("detail", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_kind_at", "audit_events", ["kind", "at"])
    op.create_index("ix_audit_events_actor_at", "audit_events", ["actor", "at"])
    op.execute(_APPEND_ONLY)


def downgrade():
    op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
    op.execute("DROP FUNCTION audit_events_append_only()")
    op.drop_table("audit_events")
    op.drop_table("total_changes")
