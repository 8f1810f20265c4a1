"""A category's files as its page lists them: filtered by name, status, total and upload date, sorted, one page at a time."""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from webapp.accounts import scope
from webapp.extensions import db
from webapp.models import Category, Document, DocumentStatus
from webapp.pagination import MAX_PAGE, Pages, page_count

PER_PAGE = 50
SORTS = ("date", "name", "status", "total")
# Status sorts the way work flows, with what needs attention first.
_STATUS_RANK = {DocumentStatus.FAILED: 0, DocumentStatus.PROCESSING: 1, DocumentStatus.QUEUED: 2, DocumentStatus.DONE: 3}


@dataclass(frozen=True)
class FileQuery:
    """What the person asked to see: filters, sort and page (all optional)."""

    name: str = ""
    status: str = ""
    min_total: Decimal | None = None
    max_total: Decimal | None = None
    since: date | None = None
    until: date | None = None
    sort: str = "date"
    descending: bool = True
    page: int = 1

    @property
    def filtered(self) -> bool:
        """Tell whether any filter narrows the list."""
        return bool(self.name or self.status or self.min_total is not None or self.max_total is not None
                    or self.since or self.until)

    def args(self, **changes) -> dict[str, str]:
        """Return the query string arguments of this query with some changed (defaults left out)."""
        query = replace(self, **changes)
        values = {"file": query.name, "status": query.status, "min": _plain(query.min_total),
                  "max": _plain(query.max_total), "from": query.since.isoformat() if query.since else "",
                  "to": query.until.isoformat() if query.until else "",
                  "sort": "" if query.sort == "date" else query.sort,
                  "order": "" if query.descending == (query.sort in ("date", "total")) else ("desc" if query.descending else "asc"),
                  "page": "" if query.page == 1 else str(query.page)}
        return {k: v for k, v in values.items() if v}


def parse(args) -> tuple[FileQuery, list[str]]:
    """Read a query from request arguments; return it with a plain message for each value that could not be used."""
    errors: list[str] = []
    status = args.get("status", "").strip().lower()
    if status and status not in set(DocumentStatus):
        errors.append(f"Status must be one of {', '.join(DocumentStatus)}.")
        status = ""
    sort = args.get("sort", "date").strip().lower() or "date"
    if sort not in SORTS:
        errors.append(f"Files can be sorted by {', '.join(SORTS)}.")
        sort = "date"
    order = args.get("order", "").strip().lower()
    descending = order == "desc" if order in ("asc", "desc") else sort in ("date", "total")
    query = FileQuery(
        name=args.get("file", "").strip()[:255], status=status,
        min_total=_decimal(args.get("min"), "The smallest total", errors),
        max_total=_decimal(args.get("max"), "The largest total", errors),
        since=_date(args.get("from"), "“Uploaded from”", errors), until=_date(args.get("to"), "“Uploaded until”", errors),
        sort=sort, descending=descending, page=_page(args.get("page")),
    )
    return query, errors


def list_files(category: Category, query: FileQuery) -> tuple[list[Document], int, Pages]:
    """Return one page of a category's files matching the query, how many match in all, and the pages."""
    scope.current().require(category.region)
    matching = _filtered(select(Document).where(Document.category_id == category.id), query)
    count = db.session.scalar(select(func.count()).select_from(matching.subquery()))
    last = page_count(count, PER_PAGE)
    pages = Pages(min(query.page, last), last)
    rows = db.session.scalars(
        matching.options(joinedload(Document.uploaded_by)).order_by(*_order(query))
        .limit(PER_PAGE).offset((pages.page - 1) * PER_PAGE)
    )
    return list(rows), count, pages


def _filtered(statement, query: FileQuery):
    if query.name:
        escaped = query.name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Document.filename.ilike(f"%{escaped}%", escape="\\"))
    if query.status:
        statement = statement.where(Document.status == query.status)
    if query.min_total is not None:
        statement = statement.where(Document.status == DocumentStatus.DONE, Document.total >= query.min_total)
    if query.max_total is not None:
        statement = statement.where(Document.status == DocumentStatus.DONE, Document.total <= query.max_total)
    if query.since:
        statement = statement.where(Document.created_at >= query.since)
    if query.until:
        statement = statement.where(Document.created_at < query.until + timedelta(days=1))
    return statement


def _order(query: FileQuery) -> list:
    column = {
        "date": Document.created_at,
        "name": func.lower(Document.filename),
        "status": case(_STATUS_RANK, value=Document.status, else_=9),
        "total": Document.total,
    }[query.sort]
    direction = column.desc() if query.descending else column.asc()
    # Files without a total (not done yet) come last whichever way totals are sorted; the id settles ties.
    return [direction.nulls_last(), Document.id.desc() if query.descending else Document.id.asc()]


def _decimal(raw: str | None, what: str, errors: list[str]) -> Decimal | None:
    text = (raw or "").strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or len(text) > 40:
        errors.append(f"{what} must be a number, such as 1234.5.")
        return None
    return value


def _date(raw: str | None, what: str, errors: list[str]) -> date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"{what} must be a date written as YYYY-MM-DD, such as 2024-05-01.")
        return None


def _page(raw: str | None) -> int:
    try:
        return min(MAX_PAGE, max(1, int(raw or 1)))
    except ValueError:
        return 1


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def formula_notes(category: Category) -> dict[str, int]:
    """Add up, over every file of the category, the formulas without a saved result and what became of them."""
    facts = Document.breakdown
    keys = ("formulas_without_value", "formulas_computed", "formulas_not_computed")
    row = db.session.execute(
        select(*(func.coalesce(func.sum(facts[key].as_integer()), 0) for key in keys)).where(Document.category_id == category.id)
    ).one()
    return dict(zip(keys, row, strict=True))
