"""Search lives behind one small interface; nothing outside this package knows the live backend."""

import logging

from flask import current_app

from webapp.search.base import (
    IndexDifferences,
    Location,
    Progress,
    SearchBackend,
    SearchHit,
    SearchQuery,
    SearchResults,
    SearchUnavailable,
)

log = logging.getLogger(__name__)

__all__ = [
    "IndexDifferences", "Location", "SearchHit", "SearchQuery", "SearchResults", "SearchUnavailable",
    "answers_from_postgres", "backend", "backend_class", "delete_document", "differences", "index_document",
    "index_document_quietly", "describe", "matching_categories", "matching_groups", "rebuild", "search",
]


def backend() -> SearchBackend:
    """Return the app's search backend: Elasticsearch when configured, else PostgreSQL."""
    live = current_app.extensions.get("search")
    if live is None:
        kind = backend_class()
        live = kind.from_config(current_app.config) if current_app.config.get("ELASTICSEARCH_URL") else kind()
        current_app.extensions["search"] = live
    return live


def backend_class() -> type[SearchBackend]:
    """Return the class of the configured backend, importing its code only when it is the one configured.

    A worker calls it at start, so its first job does not pay for importing a backend.
    """
    if current_app.config.get("ELASTICSEARCH_URL"):
        from webapp.search.elastic import ElasticSearch

        return ElasticSearch
    from webapp.search.postgres import PostgresSearch

    return PostgresSearch


def answers_from_postgres() -> bool:
    """Tell whether search answers depend only on PostgreSQL's data (so a snapshot can vouch for them)."""
    return getattr(backend(), "answers_from_postgres", False)


def index_document(document_id: int) -> None:
    """Make a done document findable; raise SearchUnavailable if the backend is away."""
    backend().index_document(document_id)


def index_document_quietly(document_id: int) -> bool:
    """Index a document, leaving it 'not yet searchable' for the sweeper if the backend is away."""
    try:
        index_document(document_id)
    except SearchUnavailable as exc:
        log.warning("job=index document=%s state=deferred reason=%r", document_id, str(exc))
        return False
    return True


def delete_document(document_id: int) -> None:
    """Remove a document from the index."""
    backend().delete_document(document_id)


def search(query: SearchQuery) -> SearchResults:
    """Return a page of matching document ids with safe highlights and the cells holding the words."""
    return backend().search(query)


def matching_categories(term: str) -> dict[int, int]:
    """Return how many done documents contain the term, per category id."""
    return backend().matching_categories(term)


def matching_groups(term: str, groups: dict[str, list[int]], cap: int) -> dict[str, int]:
    """Return, per group of category ids that has a match, how many done documents contain the term (≤ cap + 1)."""
    live = backend()
    # A backend may count per group cheaply; otherwise add up its exact per-category counts.
    if hasattr(live, "matching_groups"):
        return live.matching_groups(term, groups, cap)
    per_category = live.matching_categories(term)
    counts = {key: sum(per_category.get(i, 0) for i in ids) for key, ids in groups.items()}
    return {key: min(count, cap + 1) for key, count in counts.items() if count}


def rebuild(document_ids: list[int], progress: Progress) -> int:
    """Index these documents afresh while searches keep answering; return how many were indexed."""
    return backend().rebuild(document_ids, progress)


def differences() -> IndexDifferences:
    """Compare the search index with the done documents in PostgreSQL."""
    return backend().differences()


def describe() -> dict[str, str]:
    """Name the live backend and its version (the System page shows them); raise if it does not answer."""
    live = backend()
    if answers_from_postgres():
        return {"backend": "postgresql", "version": "PostgreSQL full-text search"}
    return {"backend": "elasticsearch", "version": live.version()}
