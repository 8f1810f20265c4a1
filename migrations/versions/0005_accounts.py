"""Accounts: users with a role and region scope, API tokens kept as hashes, and who uploaded each file.

Existing documents keep `uploaded_by_id` NULL (uploaded before anyone signed in); deleting a user
leaves their files in place with the uploader unknown. No user is created here: the first admin
comes from `flask users create-first-admin` (run by `make run` and the compose `migrate` service).

Revision ID: 0005_accounts
Revises: 0004_filtered_search
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_accounts"
down_revision = "0004_filtered_search"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("regions", postgresql.ARRAY(sa.String(length=64)), server_default="{}", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("must_change_password", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("session_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="ck_users_role"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_users_lower_username", "users", [sa.literal_column("lower(username)")], unique=True)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    # Nullable with no default: adding it rewrites nothing, however many documents exist.
    op.add_column("documents", sa.Column("uploaded_by_id", sa.Integer(), nullable=True))
    op.create_foreign_key("fk_documents_uploaded_by_id_users", "documents", "users", ["uploaded_by_id"], ["id"],
                          ondelete="SET NULL")
    op.create_index("ix_documents_uploaded_by_id", "documents", ["uploaded_by_id"])


def downgrade():
    op.drop_index("ix_documents_uploaded_by_id", table_name="documents")
    op.drop_constraint("fk_documents_uploaded_by_id_users", "documents", type_="foreignkey")
    op.drop_column("documents", "uploaded_by_id")
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_index("uq_users_lower_username", table_name="users")
    op.drop_table("users")
