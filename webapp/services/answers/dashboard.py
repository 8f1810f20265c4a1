"""What the dashboard shows: headline figures, bar charts of totals, recent uploads."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from webapp.accounts import scope
from webapp.extensions import db
from webapp.models import Category, Document, DocumentStatus
from webapp.services.answers.categories import PENDING, Group

RECENT_UPLOADS = 8


@dataclass
class Summary:
    """Figures for the top of the dashboard."""

    total: Decimal
    counted: int
    processing: int
    failed: int
    categories: int


@dataclass
class Bar:
    """One bar of a chart: a group's exact total and its length relative to the largest."""

    key: str
    total: Decimal
    share: float
    negative: bool
    pending: int


def summary() -> Summary:
    """Return the grand total and how many files are counted, processing and failed, of the visible categories."""
    visible = scope.current()
    total, counted, count = db.session.execute(visible.visible(
        select(func.coalesce(func.sum(Category.total), 0), func.coalesce(func.sum(Category.documents), 0), func.count())
    )).one()
    # Done documents are left out so the partial index of unfinished ones answers (migration 0003).
    unfinished = select(Document.status, func.count()).where(Document.status != DocumentStatus.DONE).group_by(Document.status)
    by_status = dict(db.session.execute(visible.visible_documents(unfinished)).all())
    processing = sum(by_status.get(status, 0) for status in PENDING)
    return Summary(Decimal(total), int(counted), processing, by_status.get(DocumentStatus.FAILED, 0), count)


def bars(groups: list[Group]) -> list[Bar]:
    """Return one bar per group, scaled so the largest absolute total fills the width."""
    largest = max((abs(g.total) for g in groups), default=Decimal(0))
    return [
        Bar(g.key, g.total, float(abs(g.total) / largest) if largest else 0.0, g.total < 0, g.pending)
        for g in groups
    ]


def recent_uploads(limit: int = RECENT_UPLOADS) -> list[Document]:
    """Return the newest uploads across every visible category."""
    query = select(Document).order_by(Document.id.desc()).limit(limit)
    return list(db.session.scalars(scope.current().visible_documents(query)))

