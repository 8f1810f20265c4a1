"""Prove every category's running total equals the sum of its counted documents, and repair it if not."""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import text

from webapp.broker import TOTALS_CHECK_KEY, connection
from webapp.extensions import db

log = logging.getLogger(__name__)
_DUE_KEY = "totals:check-turn"

# One statement, one snapshot: a count commits its document and its category together, so any
# difference seen here is real, never a job caught half-way.
_DIFFERENCES = text("""
    SELECT c.id, c.name, c.total, c.documents,
           coalesce(s.total, 0) AS expected_total, coalesce(s.documents, 0) AS expected_documents
      FROM categories c
 LEFT JOIN (SELECT category_id, sum(counted_total) AS total, count(*) AS documents
              FROM documents WHERE counted_at IS NOT NULL GROUP BY category_id) s
        ON s.category_id = c.id
     WHERE c.total <> coalesce(s.total, 0) OR c.documents <> coalesce(s.documents, 0)
     ORDER BY c.name_key
""")
# Locking every category first makes a concurrent count wait before its increment; its document change
# is not yet visible to the sums read next, so it adds onto the repaired total afterwards.
_LOCK_CATEGORIES = text("SELECT id FROM categories ORDER BY id FOR UPDATE")
_SET = text("""
    UPDATE categories SET total = :total, documents = :documents, updated_at = now() WHERE id = :id
""")


@dataclass
class Difference:
    """A category whose running total or file count disagrees with its counted documents."""

    category_id: int
    category: str
    total: Decimal
    documents: int
    expected_total: Decimal
    expected_documents: int

    def describe(self) -> str:
        """Say what differs, in one line."""
        return (
            f"{self.category}: total {self.total} (documents say {self.expected_total}), "
            f"files {self.documents} (documents say {self.expected_documents})"
        )


def differences() -> list[Difference]:
    """Return every category whose total or file count differs from its counted documents."""
    rows = db.session.execute(_DIFFERENCES).all()
    db.session.rollback()
    return [Difference(*row) for row in rows]


def repair() -> list[Difference]:
    """Set every differing category to what its documents say, in one transaction; return what changed."""
    db.session.execute(_LOCK_CATEGORIES)
    found = [Difference(*row) for row in db.session.execute(_DIFFERENCES).all()]
    for difference in found:
        db.session.execute(
            _SET,
            {"id": difference.category_id, "total": difference.expected_total, "documents": difference.expected_documents},
        )
    db.session.commit()
    return found


def check_and_record() -> list[Difference]:
    """Compare every total with its documents and keep when that was and how many differed (System page, metrics)."""
    found = differences()
    record = {"at": datetime.now(UTC).isoformat(), "mismatches": len(found)}
    connection().set(TOTALS_CHECK_KEY, json.dumps(record))
    log.info("job=totals_check mismatches=%s", len(found), extra={"outcome": "ok" if not found else "mismatch"})
    return found


def check_if_due() -> bool:
    """Check the totals if no worker has within TOTALS_CHECK_INTERVAL_SECONDS (workers take turns); say if this one did."""
    interval = current_app.config["TOTALS_CHECK_INTERVAL_SECONDS"]
    if interval <= 0 or not connection().set(_DUE_KEY, "1", nx=True, ex=interval):
        return False
    check_and_record()
    return True
