"""Record what kind of failure stopped a document, so its page offers Retry only where a retry can help.

`failure_kind` is one of: `file` (the file itself cannot be read or passes a limit: it fails the same way
again), `missing` (the stored original is gone), `memory` (reading it needs more memory than one file may
use, or crashes the reader), `timeout` (past the time limit; a less busy worker may finish it), `crash`
(the worker stopped from outside at every attempt). NULL for documents that never failed.

Existing failed documents: the kind is read from the reason they were given (those reasons were the only
ones the app wrote); a reason not recognised leaves NULL, which pages treat as "a retry may help".

Revision ID: 0012_failure_kinds
Revises: 0009_name_keys
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_failure_kinds"
down_revision = "0009_name_keys"
branch_labels = None
depends_on = None

KINDS = ("file", "missing", "memory", "timeout", "crash")

# The reasons earlier versions wrote (webapp/services/pipeline/processing.py and worker.py), most specific first.
_BACKFILL = """
    UPDATE documents SET failure_kind = CASE
        WHEN error LIKE 'Processing took longer than the %' THEN 'timeout'
        WHEN error LIKE 'This workbook could not be processed after several attempts%' THEN 'crash'
        WHEN error LIKE 'Reading this workbook needed more memory%'
          OR error LIKE 'This workbook needs more memory than one file is allowed%' THEN 'memory'
        WHEN error LIKE 'The uploaded file is missing from storage%' THEN 'missing'
        WHEN error LIKE 'This %' THEN 'file'
    END
     WHERE status = 'failed'
"""


def upgrade() -> None:
    op.add_column("documents", sa.Column("failure_kind", sa.String(16), nullable=True))
    op.create_check_constraint(
        "ck_documents_failure_kind", "documents",
        "failure_kind IS NULL OR failure_kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")",
    )
    op.execute(_BACKFILL)


def downgrade() -> None:
    op.drop_constraint("ck_documents_failure_kind", "documents", type_="check")
    op.drop_column("documents", "failure_kind")
