"""Categories with exact running totals, and documents with their exactly-once trace.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 14:32:00.943409

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('region', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('total', sa.Numeric(), server_default='0', nullable=False),
    sa.Column('documents', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_categories_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_categories_type'), ['type'], unique=False)
        batch_op.create_index('uq_categories_lower_name', [sa.literal_column('lower(name)')], unique=True)

    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='queued', nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('total', sa.Numeric(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('numbers', sa.Text(), nullable=True),
    sa.Column('breakdown', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('tsv', postgresql.TSVECTOR(), nullable=True),
    sa.Column('counted_total', sa.Numeric(), nullable=True),
    sa.Column('counted_at', sa.DateTime(), nullable=True),
    sa.Column('indexed_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('category_id', 'sha256', name='uq_documents_category_sha256'),
    sa.CheckConstraint("status IN ('queued', 'processing', 'done', 'failed')", name='ck_documents_status'),
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_category_status', ['category_id', 'status'], unique=False)
        batch_op.create_index('ix_documents_tsv', ['tsv'], unique=False, postgresql_using='gin')



def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_tsv', postgresql_using='gin')
        batch_op.drop_index('ix_documents_category_status')

    op.drop_table('documents')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index('uq_categories_lower_name')
        batch_op.drop_index(batch_op.f('ix_categories_type'))
        batch_op.drop_index(batch_op.f('ix_categories_region'))

    op.drop_table('categories')
