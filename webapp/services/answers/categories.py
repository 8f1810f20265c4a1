"""Create categories and read their exact totals (by category, type and region)."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Row, func, select, text
from sqlalchemy.exc import IntegrityError

from webapp.accounts import scope
from webapp.extensions import db
from webapp.models import Category, Document, DocumentStatus
from webapp.models.category import NAME_MAX, REGION_MAX, TYPE_MAX
from webapp.services.answers import snapshot_cache

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
    """Create a category in a region the person asking may use; reuse the spelling of a region or type that
    differs only in case."""
    fields = validate({"name": name, "region": region, "type": type})
    scope.current().require(fields["region"])
    if db.session.scalar(select(Category.id).where(func.lower(Category.name) == fields["name"].lower())) is not None:
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
    """Return the visible category with this name, matching letter case loosely."""
    return db.session.scalar(scope.current().visible(select(Category).where(func.lower(Category.name) == name.strip().lower())))


def list_categories(type: str = "", region: str = "", limit: int | None = None, offset: int = 0) -> list[Row]:
    """Return categories (id, name, region, type, total, documents) by name: all, or of one type and/or region."""
    # Plain rows, not ORM objects: the dashboard lists many of them, and ORM objects cost ~5×.
    query = _of_type_and_region(select(*_LISTED), type, region).order_by(func.lower(Category.name), Category.id)
    return list(db.session.execute(query.limit(limit).offset(offset)))


def count_categories(type: str = "", region: str = "") -> int:
    """Return how many categories there are, or how many of one type and/or region."""
    return db.session.execute(_of_type_and_region(select(func.count()).select_from(Category), type, region)).scalar()


def _of_type_and_region(query, type: str, region: str):
    query = scope.current().visible(query)
    if type:
        query = query.where(func.lower(Category.type) == type.strip().lower())
    if region:
        query = query.where(func.lower(Category.region) == region.strip().lower())
    return query


def filter_choices() -> dict[str, list[str]]:
    """Return the distinct category names, regions and types, each sorted ignoring case, for search filters."""
    return snapshot_cache.cached("filter_choices", _filter_choices)


def _filter_choices() -> dict[str, list[str]]:
    rows = db.session.execute(scope.current().visible(select(Category.name, Category.region, Category.type))).all()
    return {
        key: sorted({row[i] for row in rows}, key=str.lower)
        for i, key in enumerate(("category", "region", "type"))
    }


def pending_counts() -> dict[int, int]:
    """Return, per category id, how many files are still waiting or being processed."""
    # Served by the partial index of unfinished documents (migration 0003), not a scan of every document.
    query = select(Document.category_id, func.count()).where(Document.status.in_(PENDING)).group_by(Document.category_id)
    return dict(db.session.execute(scope.current().visible_documents(query)).all())


# Per category, the files still waiting or being processed (the partial index of migration 0003 serves it).
_WAITING = f"""
    SELECT category_id, count(*) AS files FROM documents
     WHERE status IN ({", ".join(f"'{status}'" for status in PENDING)}) GROUP BY category_id
"""
# Both groupings in one pass over the categories: the dashboard shows them side by side.
_TOTALS_BY_TYPE_AND_REGION = """
    SELECT CASE WHEN GROUPING(c.type) = 0 THEN 'type' ELSE 'region' END, coalesce(c.type, c.region),
           sum(c.total), sum(c.documents), coalesce(sum(w.files), 0), count(*)
      FROM categories c LEFT JOIN ({waiting}) w ON w.category_id = c.id
     WHERE {visible}
     GROUP BY GROUPING SETS ((c.type), (c.region))
     ORDER BY 1, lower(coalesce(c.type, c.region))
"""
_TYPE_TOTAL = """
    SELECT min(c.type), sum(c.total), sum(c.documents), coalesce(sum(w.files), 0), count(*)
      FROM categories c LEFT JOIN ({waiting}) w ON w.category_id = c.id
     WHERE lower(c.type) = lower(:type) AND {visible}
"""
# Each statement twice, prebuilt: for whoever sees every region, and for a user limited to :regions.
_IN_REGIONS = "lower(c.region) = ANY(CAST(:regions AS text[]))"
_STATEMENTS = {
    (name, everything): text(sql.format(waiting=_WAITING, visible="true" if everything else _IN_REGIONS))
    for name, sql in (("by_type_and_region", _TOTALS_BY_TYPE_AND_REGION), ("type_total", _TYPE_TOTAL))
    for everything in (True, False)
}


def _scoped(name: str, **params) -> tuple:
    """Return the prebuilt statement for the person asking, with its parameters."""
    visible = scope.current()
    if visible.everything:
        return _STATEMENTS[(name, True)], params
    return _STATEMENTS[(name, False)], {**params, "regions": sorted(visible.regions)}


def _group(key: str, total: Decimal | None, documents: int | None, pending: int, count: int) -> Group:
    return Group(key, total or Decimal(0), int(documents or 0), int(pending), count)


def totals_by_type_and_region() -> tuple[list[Group], list[Group]]:
    """Return exact totals grouped by type and by region, each sorted ignoring case, from the running totals."""
    grouped: dict[str, list[Group]] = {"type": [], "region": []}
    for grouping, *values in db.session.execute(*_scoped("by_type_and_region")):
        grouped[grouping].append(_group(*values))
    return grouped["type"], grouped["region"]


def _type_total(type: str) -> Group | None:
    key, total, documents, pending, count = db.session.execute(*_scoped("type_total", type=type.strip())).one()
    return _group(key, total, documents, pending, count) if count else None


def sum_type(type: str) -> Group | None:
    """Return the exact sum of all counted files in categories of this type, or None if no category has it."""
    return snapshot_cache.cached(("sum_type", type.strip().lower()), lambda: _type_total(type))
