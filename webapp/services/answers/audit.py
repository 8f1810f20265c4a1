"""Read the audit trail (admins only: the routes that call this say so), filtered and newest first."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.pagination import Pages, page_count

EVENTS_PER_PAGE = 50
KINDS = (
    "signed_in", "sign_in_failed", "sign_in_throttled", "signed_out",
    "user_created", "user_changed", "user_disabled", "user_deleted", "token_created", "token_revoked",
    "category_created", "category_deleted", "file_uploaded", "file_deleted", "file_retried", "file_reprocessed",
    "totals_repaired", "backup_created", "backup_restored",
)


@dataclass(frozen=True)
class Filters:
    """What the Audit page and /api/audit narrow the trail to; empty fields narrow nothing."""

    user: str = ""
    kind: str = ""
    object: str = ""
    since: datetime | None = None
    until: datetime | None = None


def _filtered(query, filters: Filters):
    if filters.user:
        query = query.where(func.lower(AuditEvent.actor) == filters.user.strip().lower())
    if filters.kind:
        query = query.where(AuditEvent.kind == filters.kind.strip())
    if filters.object:
        pattern = "%" + filters.object.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(AuditEvent.object.ilike(pattern, escape="\\"))
    if filters.since is not None:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.at <= filters.until)
    return query


def events(filters: Filters, page: int = 1) -> tuple[list[AuditEvent], Pages]:
    """Return one page of events matching the filters, newest first, and where it sits among the pages."""
    count = db.session.scalar(_filtered(select(func.count()).select_from(AuditEvent), filters))
    pages = Pages(page, page_count(count, EVENTS_PER_PAGE))
    query = _filtered(select(AuditEvent), filters).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    rows = db.session.scalars(query.limit(EVENTS_PER_PAGE).offset((page - 1) * EVENTS_PER_PAGE))
    return list(rows), pages
