"""Create categories and read their exact totals (by category, type and region)."""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Row, func, select, text, tuple_
from sqlalchemy.exc import IntegrityError

from webapp import names
from webapp.accounts import events, scope
from webapp.extensions import db
from webapp.models import Category, Document, DocumentStatus
from webapp.models.category import NAME_MAX, REGION_MAX, TYPE_MAX
from webapp.services.answers import snapshot_cache
from webapp.workbook.wording import Said, said

PENDING = (DocumentStatus.QUEUED.value, DocumentStatus.PROCESSING.value)
_LIMITS = {"name": NAME_MAX, "region": REGION_MAX, "type": TYPE_MAX}
_LABELS = {"name": said("Name"), "region": said("Region"), "type": said("Type")}
# Name and type are path segments (/categories/<name>, /api/types/<type>/sum); a region never is.
_IN_PATHS = ("name", "type")
_KEYS = {"region": Category.region_key, "type": Category.type_key}
_LISTED = (Category.id, Category.name, Category.region, Category.type, Category.total, Category.documents)


class InvalidCategory(Exception):
    """Field-by-field reasons why a category cannot be created (sentences: str() gives the English)."""

    def __init__(self, errors: dict[str, Said]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class CategoryExists(Exception):
    """A category with that name (in any letter case) already exists; its Said (args[0]) names it."""


@dataclass
class Group:
    """The total of every category sharing one type or one region."""

    key: str
    total: Decimal
    documents: int
    pending: int
    categories: int


def validate(fields: dict[str, object]) -> dict[str, str]:
    """Return name, region and type as they are kept (trimmed, NFC), or raise InvalidCategory naming each bad field."""
    cleaned, errors = {}, {}
    for field, limit in _LIMITS.items():
        value = fields.get(field)
        value = names.spelling(value) if isinstance(value, str) else ""
        reason = names.unusable(value)
        if not value:
            errors[field] = said("%(field)s is required.", field=_LABELS[field])
        elif len(value) > limit:
            errors[field] = said("%(field)s must be at most %(limit)s characters.", field=_LABELS[field], limit=limit)
        elif reason:
            errors[field] = said("%(field)s %(reason)s", field=_LABELS[field], reason=reason)
        elif field in _IN_PATHS and "/" in value:
            errors[field] = said("%(field)s cannot contain “/”.", field=_LABELS[field])
        cleaned[field] = value
    if errors:
        raise InvalidCategory(errors)
    return cleaned


def create_category(name: str, region: str, type: str) -> Category:
    """Create a category in a region the person asking may use; reuse the spelling of a region or type that
    differs only in case."""
    fields = validate({"name": name, "region": region, "type": type})
    scope.current().require(fields["region"])
    if db.session.scalar(select(Category.id).where(Category.name_key == names.key(fields["name"]))) is not None:
        raise CategoryExists(_taken(fields["name"]))
    region, type = _existing_spelling(Category.region, fields["region"]), _existing_spelling(Category.type, fields["type"])
    category = Category(
        name=fields["name"], name_key=names.key(fields["name"]),
        region=region, region_key=names.key(region),
        type=type, type_key=names.key(type),
    )
    db.session.add(category)
    try:
        db.session.flush()
        events.category_created(category.name, category.region, category.type)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise CategoryExists(_taken(fields["name"])) from exc
    return category


def _taken(name: str) -> Said:
    return said("A category named “%(name)s” already exists.", name=name)


def _existing_spelling(column, value: str) -> str:
    known = db.session.scalar(select(column).where(_KEYS[column.key] == names.key(value)).limit(1))
    return known or value


def find_category(name: str) -> Category | None:
    """Return the visible category with this name, matching letter case loosely."""
    return db.session.scalar(scope.current().visible(select(Category).where(Category.name_key == names.key(name))))


def list_categories(type: str = "", region: str = "", limit: int | None = None, offset: int = 0) -> list[Row]:
    """Return categories (id, name, region, type, total, documents) by name: all, or of one type and/or region."""
    # Plain rows, not ORM objects: the dashboard lists many of them, and ORM objects cost ~5×.
    query = _of_type_and_region(select(*_LISTED), type, region).order_by(Category.name_key, Category.id)
    return list(db.session.execute(query.limit(limit).offset(offset)))


def count_categories(type: str = "", region: str = "") -> int:
    """Return how many categories there are, or how many of one type and/or region."""
    return db.session.execute(_of_type_and_region(select(func.count()).select_from(Category), type, region)).scalar()


def _of_type_and_region(query, type: str, region: str):
    query = scope.current().visible(query)
    if type:
        query = query.where(Category.type_key == names.key(type))
    if region:
        query = query.where(Category.region_key == names.key(region))
    return query


def filter_choices() -> dict[str, list[str]]:
    """Return the distinct category names, regions and types, each sorted ignoring case, for search filters."""
    return snapshot_cache.cached("filter_choices", _filter_choices)


def _filter_choices() -> dict[str, list[str]]:
    rows = db.session.execute(scope.current().visible(select(Category.name, Category.region, Category.type))).all()
    return {
        key: sorted({row[i] for row in rows}, key=names.key)
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
# Both groupings in one pass over the categories: the dashboard shows them side by side. Grouped by
# key and shown with the first spelling (a new category reuses it, so there is only one).
_TOTALS_BY_TYPE_AND_REGION = """
    SELECT CASE WHEN GROUPING(c.type_key) = 0 THEN 'type' ELSE 'region' END,
           CASE WHEN GROUPING(c.type_key) = 0 THEN min(c.type) ELSE min(c.region) END,
           sum(c.total), sum(c.documents), coalesce(sum(w.files), 0), count(*)
      FROM categories c LEFT JOIN ({waiting}) w ON w.category_id = c.id
     WHERE {visible}
     GROUP BY GROUPING SETS ((c.type_key), (c.region_key))
     ORDER BY 1, coalesce(c.type_key, c.region_key)
"""
_TYPE_TOTAL = """
    SELECT min(c.type), sum(c.total), sum(c.documents), coalesce(sum(w.files), 0), count(*)
      FROM categories c LEFT JOIN ({waiting}) w ON w.category_id = c.id
     WHERE c.type_key = :type_key AND {visible}
"""
# Each statement twice, prebuilt: for whoever sees every region, and for a user limited to :regions (keys).
_IN_REGIONS = "c.region_key = ANY(CAST(:regions AS text[]))"
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
    key, total, documents, pending, count = db.session.execute(*_scoped("type_total", type_key=names.key(type))).one()
    return _group(key, total, documents, pending, count) if count else None


def sum_type(type: str) -> Group | None:
    """Return the exact sum of all counted files in categories of this type, or None if no category has it."""
    return snapshot_cache.cached(("sum_type", names.key(type)), lambda: _type_total(type))


# Rows an export reads at a time: a dashboard of any size streams in this much memory.
STREAM_ROWS = 500


def each_category(type: str = "", region: str = "") -> Iterator[Row]:
    """Yield visible categories by name as the dashboard lists them (of a type and/or region), with files pending.

    Rows: name, region, type, region_key, type_key, documents, pending, total. Read STREAM_ROWS at a time, each
    batch a query of its own after the last name seen: a CSV is sent after its view returned (and its database
    session ended), so no cursor or transaction may outlive a batch.
    """
    waiting = (select(Document.category_id, func.count().label("files")).where(Document.status.in_(PENDING))
               .group_by(Document.category_id).subquery())
    query = _of_type_and_region(
        select(Category.name, Category.region, Category.type, Category.region_key, Category.type_key,
               Category.documents, func.coalesce(waiting.c.files, 0), Category.total, Category.name_key, Category.id)
        .outerjoin(waiting, waiting.c.category_id == Category.id),
        type, region,
    ).order_by(Category.name_key, Category.id).limit(STREAM_ROWS)
    after = None
    while True:
        batch = db.session.execute(query if after is None else query.where(tuple_(Category.name_key, Category.id) > after)).all()
        for row in batch:
            yield row[:8]
        if len(batch) < STREAM_ROWS:
            return
        after = tuple_(*batch[-1][8:])
