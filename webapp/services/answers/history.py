"""Read the ledger: a category's changes newest first, a document's own changes, and totals as of an instant.

An as-of answer reads, per category, the latest ledger row at or before the instant (one index lookup on
`(category_id, at, id)`), never a sum over history.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import text

from webapp import names
from webapp.accounts import scope
from webapp.extensions import db
from webapp.models import Category, Document
from webapp.pagination import Pages, page_count
from webapp.services.answers.categories import Group

CHANGES_PER_PAGE = 50
# Changes an export reads at a time.
STREAM_ROWS = 500
# Points drawn in a category's chart: its history sampled evenly, always with the first and latest change.
CHART_POINTS = 120


class InvalidInstant(ValueError):
    """The text is not an ISO 8601 date or date-time (English for the API; `in_page_language` for pages)."""

    def __init__(self, value: str):
        super().__init__(f"“{value}” is not a date or time; use ISO 8601, e.g. 2024-05-01 or 2024-05-01T09:30:00Z.")
        self.value = value

    def in_page_language(self) -> str:
        """Say why in the page's language."""
        return _("“%(value)s” is not a date or time; use ISO 8601, e.g. 2024-05-01 or 2024-05-01T09:30:00Z.",
                 value=self.value)


@dataclass(frozen=True)
class Change:
    """One row of the ledger as pages and the API show it."""

    at: datetime
    kind: str
    amount: Decimal
    total_after: Decimal
    document_id: int | None
    filename: str | None
    by: str | None
    document_exists: bool


@dataclass(frozen=True)
class CategoryAsOf:
    """A category as it stood at an instant."""

    name: str
    region: str
    type: str
    total: Decimal
    documents: int
    as_of: datetime


def parse_instant(value: str) -> datetime:
    """Read an ISO 8601 date or date-time (UTC unless it says otherwise), or raise InvalidInstant saying why."""
    try:
        instant = datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise InvalidInstant(str(value)) from None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


_CHANGES = text("""
    SELECT t.at, t.kind, t.amount, t.total_after, t.document_id, t.filename, t.by_username,
           EXISTS (SELECT 1 FROM documents d WHERE d.id = t.document_id) AS document_exists
      FROM total_changes t
     WHERE t.category_id = :category_id
     ORDER BY t.at DESC, t.id DESC
     LIMIT :limit OFFSET :offset
""")
_COUNT = text("SELECT count(*) FROM total_changes WHERE category_id = :category_id")


def changes(category: Category, page: int = 1) -> tuple[list[Change], Pages]:
    """Return one page of a category's changes, newest first, and where it sits among the pages."""
    scope.current().require(category.region)
    count = db.session.execute(_COUNT, {"category_id": category.id}).scalar()
    pages = Pages(page, page_count(count, CHANGES_PER_PAGE))
    rows = db.session.execute(_CHANGES, {"category_id": category.id, "limit": CHANGES_PER_PAGE,
                                         "offset": (page - 1) * CHANGES_PER_PAGE})
    return [Change(*row) for row in rows], pages


_EACH_CHANGE = """
    SELECT t.at, t.kind, t.amount, t.total_after, t.document_id, t.filename, t.by_username,
           EXISTS (SELECT 1 FROM documents d WHERE d.id = t.document_id) AS document_exists, t.id
      FROM total_changes t
     WHERE t.category_id = :category_id {before}
     ORDER BY t.at DESC, t.id DESC
     LIMIT :limit
"""
_FIRST_CHANGES = text(_EACH_CHANGE.format(before=""))
# Keyset on the index (category_id, at, id): each batch starts where the last ended, however long the history.
_CHANGES_BEFORE = text(_EACH_CHANGE.format(before="AND (t.at, t.id) < (:at, :id)"))


def each_change(category: Category) -> Iterator[Change]:
    """Return every change of a category, newest first as its History tab lists them, for a download.

    Read STREAM_ROWS at a time, each batch a query of its own (a CSV outlives its view's database session).
    """
    scope.current().require(category.region)
    return _each_change(category.id)


def _each_change(category_id: int) -> Iterator[Change]:
    params = {"category_id": category_id, "limit": STREAM_ROWS}
    batch = db.session.execute(_FIRST_CHANGES, params).all()
    while True:
        for row in batch:
            yield Change(*row[:8])
        if len(batch) < STREAM_ROWS:
            return
        last = batch[-1]
        batch = db.session.execute(_CHANGES_BEFORE, {**params, "at": last.at, "id": last.id}).all()


_OF_DOCUMENT = text("""
    SELECT at, kind, amount, total_after, document_id, filename, by_username, true
      FROM total_changes WHERE document_id = :document_id ORDER BY at, id
""")


def document_changes(document: Document) -> list[Change]:
    """Return what a document did to its category's total, oldest first (the document was looked up in scope)."""
    scope.current().require(document.category.region)
    return [Change(*row) for row in db.session.execute(_OF_DOCUMENT, {"document_id": document.id})]


_CHART = text("""
    SELECT at, total_after FROM (
        SELECT at, total_after, row_number() OVER (ORDER BY at, id) AS n, count(*) OVER () AS rows
          FROM total_changes WHERE category_id = :category_id
    ) s
     WHERE n = 1 OR n = rows OR n % greatest(1, rows / :points) = 0
     ORDER BY n
""")


def chart_points(category: Category) -> list[tuple[datetime, Decimal]]:
    """Return the category's total after its changes, oldest first, sampled to about CHART_POINTS points."""
    scope.current().require(category.region)
    return [tuple(row) for row in db.session.execute(_CHART, {"category_id": category.id, "points": CHART_POINTS})]


# The latest row at or before the instant, per category: the index (category_id, at, id) read backwards.
_LATEST = """
    LEFT JOIN LATERAL (SELECT t.total_after, t.documents_after FROM total_changes t
                        WHERE t.category_id = c.id AND t.at <= :at ORDER BY t.at DESC, t.id DESC LIMIT 1) l ON true
"""
_VISIBLE = "(CAST(:everything AS boolean) OR c.region_key = ANY(CAST(:regions AS text[])))"
_EXISTED = "c.created_at <= CAST(:at AS timestamptz)"
_CATEGORY_AS_OF = text(f"""
    SELECT c.name, c.region, c.type, coalesce(l.total_after, 0), coalesce(l.documents_after, 0)
      FROM categories c {_LATEST}
     WHERE c.id = :category_id AND {_EXISTED}
""")
_TYPE_AS_OF = text(f"""
    SELECT min(c.type), sum(coalesce(l.total_after, 0)), sum(coalesce(l.documents_after, 0)), count(*)
      FROM categories c {_LATEST}
     WHERE c.type_key = :type_key AND {_EXISTED} AND {_VISIBLE}
""")
_GROUPS_AS_OF = text(f"""
    SELECT CASE WHEN GROUPING(c.type_key) = 0 THEN 'type' ELSE 'region' END,
           CASE WHEN GROUPING(c.type_key) = 0 THEN min(c.type) ELSE min(c.region) END,
           sum(coalesce(l.total_after, 0)), sum(coalesce(l.documents_after, 0)), count(*)
      FROM categories c {_LATEST}
     WHERE {_EXISTED} AND {_VISIBLE}
     GROUP BY GROUPING SETS ((c.type_key), (c.region_key))
     ORDER BY 1, coalesce(c.type_key, c.region_key)
""")


def _scoped(**params) -> dict:
    visible = scope.current()
    return {**params, "everything": visible.everything, "regions": sorted(visible.regions or ())}


def category_as_of(category: Category, at: datetime) -> CategoryAsOf | None:
    """Return the category as it stood at `at`, or None if it did not exist yet."""
    scope.current().require(category.region)
    row = db.session.execute(_CATEGORY_AS_OF, {"category_id": category.id, "at": at}).first()
    return None if row is None else CategoryAsOf(*row, as_of=at)


def sum_type_as_of(type: str, at: datetime) -> Group | None:
    """Return sum_type as it stood at `at` (nothing was pending then, as far as the ledger knows), or None."""
    key, total, documents, count = db.session.execute(_TYPE_AS_OF, _scoped(type_key=names.key(type), at=at)).one()
    return Group(key, total or Decimal(0), int(documents or 0), 0, count) if count else None


def totals_as_of(at: datetime) -> tuple[list[Group], list[Group]]:
    """Return the visible totals by type and by region as they stood at `at`."""
    grouped: dict[str, list[Group]] = {"type": [], "region": []}
    for grouping, key, total, documents, count in db.session.execute(_GROUPS_AS_OF, _scoped(at=at)):
        grouped[grouping].append(Group(key, total or Decimal(0), int(documents or 0), 0, count))
    return grouped["type"], grouped["region"]
