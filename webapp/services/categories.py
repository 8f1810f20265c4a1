"""Create categories and read their exact totals (by category, type and region)."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Row, func, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import Category, Document, DocumentStatus
from webapp.models.category import NAME_MAX, REGION_MAX, TYPE_MAX
from webapp.services import snapshot_cache

PENDING = (DocumentStatus.QUEUED.value, DocumentStatus.PROCESSING.value)
_LIMITS = {"name": NAME_MAX, "region": REGION_MAX, "type": TYPE_MAX}
_LABELS = {"name": "Name", "region": "Region", "type": "Type"}
_LISTED = (Category.id, Category.name, Category.region, Category.type, Category.total, Category.documents)


class InvalidCategory(Exception):
    """Field-by-field reasons why a category cannot be created."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class CategoryExists(Exception):
    """A category with that name (in any letter case) already exists."""


@dataclass
class Group:
    """The total of every category sharing one type or one region."""

    key: str
    total: Decimal
    documents: int
    pending: int
    categories: int


def validate(fields: dict[str, object]) -> dict[str, str]:
    """Return cleaned name, region and type, or raise InvalidCategory naming each bad field."""
    cleaned, errors = {}, {}
    for field, limit in _LIMITS.items():
        value = fields.get(field)
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            errors[field] = f"{_LABELS[field]} is required."
        elif len(value) > limit:
            errors[field] = f"{_LABELS[field]} must be at most {limit} characters."
        elif field == "name" and "/" in value:
            errors[field] = "Name cannot contain “/”."
        cleaned[field] = value
    if errors:
        raise InvalidCategory(errors)
    return cleaned


def create_category(name: str, region: str, type: str) -> Category:
    """Create a category; reuse the existing spelling of a region or type that differs only in case."""
    fields = validate({"name": name, "region": region, "type": type})
    if find_category(fields["name"]) is not None:
        raise CategoryExists(f"A category named “{fields['name']}” already exists.")
    category = Category(
        name=fields["name"],
        region=_existing_spelling(Category.region, fields["region"]),
        type=_existing_spelling(Category.type, fields["type"]),
    )
    db.session.add(category)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise CategoryExists(f"A category named “{fields['name']}” already exists.") from exc
    return category


def _existing_spelling(column, value: str) -> str:
    known = db.session.scalar(select(column).where(func.lower(column) == value.lower()).limit(1))
    return known or value


def find_category(name: str) -> Category | None:
    """Return the category with this name, matching letter case loosely."""
    return db.session.scalar(select(Category).where(func.lower(Category.name) == name.strip().lower()))


def list_categories() -> list[Row]:
    """Return every category (id, name, region, type, total, documents), by name."""
    # Plain rows, not ORM objects: the dashboard lists all of them, and 1,000 ORM objects cost ~5×.
    query = select(*_LISTED).order_by(func.lower(Category.name))
    return list(db.session.execute(query))


def filter_choices() -> dict[str, list[str]]:
    """Return the distinct category names, regions and types, each sorted ignoring case, for search filters."""
    return snapshot_cache.cached("filter_choices", _filter_choices)


def _filter_choices() -> dict[str, list[str]]:
    rows = db.session.execute(select(Category.name, Category.region, Category.type)).all()
    return {
        key: sorted({row[i] for row in rows}, key=str.lower)
        for i, key in enumerate(("category", "region", "type"))
    }


def pending_counts() -> dict[int, int]:
    """Return, per category id, how many files are still waiting or being processed."""
    # Served by the partial index of unfinished documents (migration 0003), not a scan of every document.
    rows = db.session.execute(
        select(Document.category_id, func.count())
        .where(Document.status.in_(PENDING))
        .group_by(Document.category_id)
    )
    return dict(rows.all())


def totals_by(column_name: str, only: str | None = None) -> list[Group]:
    """Return exact totals grouped by `type` or `region`, read from the categories' running totals."""
    column = getattr(Category, column_name)
    waiting = (
        select(Document.category_id, func.count().label("files"))
        .where(Document.status.in_(PENDING))
        .group_by(Document.category_id)
        .subquery()
    )
    query = (
        select(column, func.sum(Category.total), func.sum(Category.documents),
               func.coalesce(func.sum(waiting.c.files), 0), func.count())
        .outerjoin(waiting, waiting.c.category_id == Category.id)
        .group_by(column)
        .order_by(func.lower(column))
    )
    if only is not None:
        query = query.where(func.lower(column) == only.strip().lower())
    return [
        Group(key, total or Decimal(0), int(docs or 0), int(pending), count)
        for key, total, docs, pending, count in db.session.execute(query)
    ]


def sum_type(type: str) -> Group | None:
    """Return the exact sum of all counted files in categories of this type, or None if no category has it."""
    groups = snapshot_cache.cached(("sum_type", type.strip().lower()), lambda: totals_by("type", only=type))
    return groups[0] if groups else None
