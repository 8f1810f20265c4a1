"""The small interface every search backend offers, and the values it exchanges."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from markupsafe import Markup


class SearchUnavailable(Exception):
    """The search backend cannot be reached right now."""


@dataclass(frozen=True)
class SearchQuery:
    """What a user asked for: words, the categories they limited it to, and the page."""

    text: str
    category_ids: tuple[int, ...] | None = None
    page: int = 1
    per_page: int = 20

    @property
    def offset(self) -> int:
        """Return how many hits come before this page."""
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Location:
    """One cell holding a hit: its reference (e.g. `'Q1 Sales'!B7`) and its text, both escaped HTML, the words in <mark>."""

    cell: Markup
    html: Markup


@dataclass
class SearchHit:
    """One matching document id with safe highlighted fragments and the first cells holding the words."""

    document_id: int
    highlights: list[Markup] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    # The chunks (webapp/search/chunks.py) the backend found the words in, first ones first.
    chunks: list[int] = field(default_factory=list)


@dataclass
class SearchResults:
    """One page of hits and how many documents matched in all."""

    total: int
    hits: list[SearchHit]
    # True when the backend stopped counting: at least `total` documents match.
    total_is_estimate: bool = False


@dataclass
class IndexDifferences:
    """Where the search index disagrees with PostgreSQL, as document ids."""

    missing: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    checked: int = 0

    @property
    def clean(self) -> bool:
        """Tell whether the index holds exactly the done documents, each current."""
        return not (self.missing or self.extra or self.stale)


# Called with how many more documents were indexed, so a progress bar can advance.
Progress = Callable[[int], None]


class SearchBackend(Protocol):
    """Index documents that PostgreSQL holds, and answer searches with document ids."""

    def index_document(self, document_id: int) -> None:
        """Make a done document findable (idempotent)."""

    def delete_document(self, document_id: int) -> None:
        """Make a document unfindable (idempotent)."""

    def search(self, query: SearchQuery) -> SearchResults:
        """Return a page of done documents matching the query, best first."""

    def matching_categories(self, term: str) -> dict[int, int]:
        """Return, per category id, how many done documents contain the term."""

    def rebuild(self, document_ids: list[int], progress: Progress) -> int:
        """Index these documents afresh without a moment where search is empty; return how many."""

    def differences(self) -> IndexDifferences:
        """Compare the index with the done documents in PostgreSQL."""

    def ping(self) -> bool:
        """Tell whether the backend answers."""
