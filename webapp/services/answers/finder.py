"""Answer searches and find_regions: the index gives ids, PostgreSQL gives rows and regions."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import current_app
from markupsafe import Markup
from sqlalchemy import select

from webapp import names, search
from webapp.accounts import scope
from webapp.extensions import db
from webapp.models import Category, Document
from webapp.services.answers import snapshot_cache

MAX_QUERY_CHARS = 500
# find_regions counts at most this many files per region and shows "100+" past it: the answer is
# which regions have the term, and exact counts of a word found everywhere cost a scan of everything.
REGION_COUNT_CAP = 100


BLANK_QUERY = "Please type a word to search for."


class BlankQuery(Exception):
    """A search or find_regions request without any words."""


@dataclass(frozen=True)
class Filters:
    """Optional limits a user put on a search."""

    type: str = ""
    region: str = ""
    category: str = ""

    def active(self) -> bool:
        """Tell whether any filter is set."""
        return bool(self.type or self.region or self.category)


@dataclass(frozen=True)
class HitCategory:
    """What a hit shows of its category: the three links that narrow a search."""

    name: str
    region: str
    type: str


@dataclass(frozen=True)
class HitDocument:
    """What a hit shows of its file: plain values, not an ORM row, since a page of hits only reads them."""

    id: int
    filename: str
    category: HitCategory


@dataclass
class Result:
    """One search hit with its document row."""

    document: HitDocument
    highlights: list[Markup]
    # The first cells holding the words, e.g. `Prices!B7` with the cell's marked text.
    locations: list[search.Location] = field(default_factory=list)


@dataclass
class ResultPage:
    """One page of search results."""

    query: str
    total: int
    page: int
    per_page: int
    results: list[Result]
    # True when search stopped counting: at least `total` files match.
    total_is_estimate: bool = False

    @property
    def pages(self) -> int:
        """Return how many pages of results there are."""
        return max(1, -(-self.total // self.per_page))


@dataclass
class RegionMatch:
    """A region with at least one file containing a term, and how many."""

    region: str
    files: int
    # True when counting stopped at REGION_COUNT_CAP: at least `files` files match.
    is_estimate: bool = False


def clean_query(raw: str | None) -> str:
    """Return the query trimmed to a sane length, or raise BlankQuery."""
    query = (raw or "").strip()[:MAX_QUERY_CHARS]
    if not query:
        raise BlankQuery(BLANK_QUERY)
    return query


def search_documents(raw: str | None, filters: Filters, page: int = 1, per_page: int | None = None) -> ResultPage:
    """Search done documents, limited by the filters; raise search.SearchUnavailable if search is down."""
    query = clean_query(raw)
    page = max(1, page)
    per_page = per_page or current_app.config["SEARCH_PAGE_SIZE"]
    return _cached(("search", query, filters, page, per_page), lambda: _search(query, filters, page, per_page))


def _cached(key, compute):
    """Reuse an answer while the database is unchanged, when the search itself reads only PostgreSQL."""
    if search.answers_from_postgres():
        return snapshot_cache.cached(key, compute)
    return compute()


def _search(query: str, filters: Filters, page: int, per_page: int) -> ResultPage:
    # A user limited to regions searches only their categories, whatever filters they add.
    limited = filters.active() or not scope.current().everything
    category_ids = _filtered_category_ids(filters) if limited else None
    if category_ids == ():
        return ResultPage(query, 0, page, per_page, [])
    found = search.search(search.SearchQuery(query, category_ids, page, per_page))
    results = _results(found.hits)
    return ResultPage(query, found.total, page, per_page, results, found.total_is_estimate)


# The fields a hit shows, for a page of hits in one query (plain values, not ORM rows).
_HIT_ROWS = (
    select(Document.id, Document.filename, Category.name, Category.region, Category.type)
    .join(Category, Category.id == Document.category_id)
)


def _results(hits: list[search.SearchHit]) -> list[Result]:
    """Turn the backend's hits into results, in its order, with what each shows of its file."""
    if not hits:
        return []
    # The backend was asked for visible categories only; the rows are limited again so nothing else can show.
    found = scope.current().visible(_HIT_ROWS.where(Document.id.in_([h.document_id for h in hits])))
    rows = {row[0]: row for row in db.session.execute(found)}
    results = []
    for hit in hits:
        row = rows.get(hit.document_id)
        if row is None:
            continue  # deleted since the index saw it
        document_id, filename, name, region, type = row
        results.append(Result(HitDocument(document_id, filename, HitCategory(name, region, type)), hit.highlights, hit.locations))
    return results


def _filtered_category_ids(filters: Filters) -> tuple[int, ...]:
    query = scope.current().visible(select(Category.id))
    keys = ((Category.type_key, filters.type), (Category.region_key, filters.region), (Category.name_key, filters.category))
    for column, value in keys:
        if value:
            query = query.where(column == names.key(value))
    return tuple(db.session.scalars(query))


def find_regions(raw: str | None) -> list[RegionMatch]:
    """Return the regions having at least one done file containing the term, sorted, with file counts."""
    term = clean_query(raw)
    return _cached(("regions", term), lambda: _find_regions(term))


def _find_regions(term: str) -> list[RegionMatch]:
    regions: dict[str, list[int]] = defaultdict(list)
    for category_id, region in db.session.execute(scope.current().visible(select(Category.id, Category.region))):
        regions[region].append(category_id)
    files = search.matching_groups(term, regions, REGION_COUNT_CAP)
    return [
        RegionMatch(region, min(files[region], REGION_COUNT_CAP), files[region] > REGION_COUNT_CAP)
        for region in sorted(files, key=names.key)
    ]


# An export reads its hits this many at a time (each read loads the text its locations are cut from).
EXPORT_PAGE = 50
# However wide a backend's window, an export stops here (the Elasticsearch window is 10,000 too).
MAX_EXPORT_HITS = 10_000


def each_result(raw: str | None, filters: Filters) -> Iterator[Result]:
    """Return an iterator over every hit of a search up to the search's cap, best first, as its pages list them.

    Not cached: an export reads each hit once. A file is yielded once even if the ranking shifts between reads.
    Raises BlankQuery at once, before any hit is read.
    """
    return _each_result(clean_query(raw), filters)


def _each_result(query: str, filters: Filters) -> Iterator[Result]:
    seen: set[int] = set()
    for page in range(1, MAX_EXPORT_HITS // EXPORT_PAGE + 1):
        found = _search(query, filters, page, EXPORT_PAGE)
        for result in found.results:
            if result.document.id not in seen:
                seen.add(result.document.id)
                yield result
        if not found.results or page * EXPORT_PAGE >= found.total:
            return
