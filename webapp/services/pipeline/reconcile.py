"""Prove every category's running total equals the sum of its counted documents and its ledger, and repair it if not."""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import text

from webapp.accounts import events
from webapp.broker import TOTALS_CHECK_KEY, connection
from webapp.extensions import db
from webapp.services.pipeline import ledger

log = logging.getLogger(__name__)
_DUE_KEY = "totals:check-turn"

# One statement, one snapshot: a count commits its document, its category and its ledger row together, so any
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
# The ledger's invariant: total = sum of its amounts = total_after of its latest row (and the file count likewise).
_LEDGER_DIFFERENCES = text("""
    SELECT c.id, c.name, c.total, c.documents, coalesce(s.total, 0) AS ledger_sum,
           coalesce(l.total_after, 0) AS latest_total, coalesce(l.documents_after, 0) AS latest_documents
      FROM categories c
 LEFT JOIN (SELECT category_id, sum(amount) AS total FROM total_changes GROUP BY category_id) s ON s.category_id = c.id
 LEFT JOIN LATERAL (SELECT total_after, documents_after FROM total_changes t WHERE t.category_id = c.id
                     ORDER BY t.at DESC, t.id DESC LIMIT 1) l ON true
     WHERE c.total <> coalesce(s.total, 0) OR c.total <> coalesce(l.total_after, 0)
        OR c.documents <> coalesce(l.documents_after, 0)
     ORDER BY c.name_key
""")
# Locking every category first makes a concurrent count wait before its increment; its document change
# is not yet visible to the sums read next, so it adds onto the repaired total afterwards.
_LOCK_CATEGORIES = text("SELECT id FROM categories ORDER BY id FOR UPDATE")
_CURRENT = text("SELECT id, name, total, documents FROM categories WHERE id = ANY(:ids) ORDER BY name_key")
_EXPECTED = text("""
    SELECT coalesce(sum(counted_total), 0), count(*) FROM documents WHERE category_id = :id AND counted_at IS NOT NULL
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


@dataclass
class LedgerDifference:
    """A category whose total disagrees with its ledger: the sum of its changes, or its latest row."""

    category_id: int
    category: str
    total: Decimal
    documents: int
    ledger_sum: Decimal
    latest_total: Decimal
    latest_documents: int

    def describe(self) -> str:
        """Say what differs, in one line."""
        return (
            f"{self.category}: total {self.total}, but its ledger's changes add up to {self.ledger_sum} and its "
            f"latest change left {self.latest_total} (files {self.documents}, ledger says {self.latest_documents})"
        )


def differences() -> list[Difference]:
    """Return every category whose total or file count differs from its counted documents."""
    rows = db.session.execute(_DIFFERENCES).all()
    db.session.rollback()
    return [Difference(*row) for row in rows]


def ledger_differences() -> list[LedgerDifference]:
    """Return every category whose total or file count differs from its ledger."""
    rows = db.session.execute(_LEDGER_DIFFERENCES).all()
    db.session.rollback()
    return [LedgerDifference(*row) for row in rows]


def repair(by: int | None = None) -> list[Difference]:
    """Set every category that differs from its documents or its ledger to what its documents say, in one
    transaction, each with a `repaired` ledger row; return what changed."""
    db.session.execute(_LOCK_CATEGORIES)
    ids = {row.id for row in db.session.execute(_DIFFERENCES)} | {row.id for row in db.session.execute(_LEDGER_DIFFERENCES)}
    found = []
    for row in db.session.execute(_CURRENT, {"ids": sorted(ids)}).all():
        expected_total, expected_documents = db.session.execute(_EXPECTED, {"id": row.id}).one()
        found.append(Difference(row.id, row.name, row.total, row.documents, expected_total, expected_documents))
        ledger.correct(row.id, expected_total, expected_documents, by=by)
    if found:
        events.totals_repaired([difference.category for difference in found])
    db.session.commit()
    return found


def check_and_record() -> list[Difference]:
    """Compare every total with its documents and its ledger, and keep when that was and how many differed (System
    page, metrics)."""
    found = differences()
    # A total that disagrees with its ledger is a mismatch too (the command prints those itself); a category
    # that disagrees with both is one mismatch.
    mismatched = {d.category_id for d in found} | {d.category_id for d in ledger_differences()}
    record = {"at": datetime.now(UTC).isoformat(), "mismatches": len(mismatched)}
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
