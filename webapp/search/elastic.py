"""Elasticsearch: documents in a versioned index behind an alias, written after PostgreSQL commits."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from elasticsearch import ConflictError, Elasticsearch, NotFoundError, helpers
from flask import current_app
from sqlalchemy import text

from webapp.extensions import db
from webapp.search import chunk_store
from webapp.search.base import IndexDifferences, Progress, SearchHit, SearchQuery, SearchResults, SearchUnavailable
from webapp.search.chunks import Chunk
from webapp.search.elastic_index import VersionedIndices, connect, reachable
from webapp.search.elastic_query import file_query, matched_chunks
from webapp.search.locate import place_hits

log = logging.getLogger(__name__)

# Characters of text sent in one bulk request: a batch of large files goes in several requests.
BULK_CHARS = 8_000_000
# index.max_result_window: deeper pages are refused by Elasticsearch, so we answer them with no hits.
MAX_WINDOW = 10_000
MAX_CATEGORIES = 50_000
PING_TIMEOUT = 2
# A transaction that counted a document can commit a little after its now(); a rebuild re-sends those too.
_CATCH_UP_MARGIN = "5 minutes"

# Statements spell DocumentStatus values as SQL literals, so they read as the table stores them.
# The version is the moment PostgreSQL last changed the document, so an older write always loses.
_VERSION = "(extract(epoch FROM updated_at) * 1000000)::bigint"
_ROWS = text(f"SELECT id, category_id, {_VERSION} AS version FROM documents WHERE id = ANY(:ids) AND status = 'done'")
_EXPECTED = text(f"SELECT id, category_id, {_VERSION} FROM documents WHERE status = 'done'")
_COUNTED_SINCE = text(f"""
    SELECT id FROM documents
     WHERE status = 'done' AND updated_at >= :since - interval '{_CATCH_UP_MARGIN}' ORDER BY id
""")
# Deletes are versioned too, above any version PostgreSQL has given out, so a late write cannot undo them.
_DELETE_VERSION = text("SELECT (extract(epoch FROM CAST(clock_timestamp() AS timestamp)) * 1000000)::bigint")
_MARK_INDEXED = text("UPDATE documents SET indexed_at = now() WHERE id = ANY(:ids) AND status = 'done'")
_UNMARK = text("UPDATE documents SET indexed_at = NULL WHERE id = :id")


class _AliasMissing(Exception):
    """The alias was removed under us (e.g. an operator deleted the index)."""


@dataclass(frozen=True)
class Written:
    """What the index needs of one done document: ids, the version, and its chunks in order."""

    id: int
    category_id: int
    version: int
    chunks: list[Chunk]

    @property
    def chars(self) -> int:
        """Return how much text the document sends."""
        return sum(len(c.text) + len(c.numbers) for c in self.chunks)


class ElasticSearch:
    """Search documents in Elasticsearch; PostgreSQL stays the source of truth."""

    batch_size = 500

    def __init__(self, client: Elasticsearch, alias: str) -> None:
        self.client = client
        self.alias = alias
        self.indices = VersionedIndices(client, alias)

    @classmethod
    def from_config(cls, config: Mapping) -> "ElasticSearch":
        """Connect with the app's ELASTICSEARCH_* settings."""
        return cls(connect(config), config.get("ELASTICSEARCH_INDEX") or "documents")

    # Writing

    def index_document(self, document_id: int) -> None:
        """Send a done document to the index and record it as searchable."""
        rows = _rows([document_id])
        if rows:
            _mark_indexed(self._write_live(rows))

    def delete_document(self, document_id: int) -> None:
        """Remove the document from the index."""
        version = db.session.execute(_DELETE_VERSION).scalar()
        db.session.commit()
        # Elasticsearch would create a stray index named like the alias to record a delete.
        self.indices.ensure_alias()
        with reachable("delete"):
            try:
                self.client.delete(index=self.alias, id=str(document_id), version=version,
                                   version_type="external", refresh="wait_for")
            except (NotFoundError, ConflictError):
                pass  # never indexed or no index yet; or written again since, from newer data
        db.session.execute(_UNMARK, {"id": document_id})
        chunk_store.clear(document_id)
        db.session.commit()

    def rebuild(self, document_ids: list[int], progress: Progress) -> int:
        """Fill a new versioned index, swap the alias to it in one step, then drop the old one."""
        since = db.session.execute(text("SELECT localtimestamp")).scalar()
        db.session.commit()
        with reachable("rebuild"):
            old, new = self.indices.live(), self.indices.next_name()
            self.indices.create(new)
            written = self._fill(new, document_ids, progress)
            self.indices.swap(old, new)
        _mark_indexed(written)
        log.info("job=reindex index=%s replaced=%s documents=%s", new, ",".join(old) or "-", len(written))
        # Documents counted while we filled the new index may have been written to the old one.
        _mark_indexed(self._write_live(_rows(list(db.session.scalars(_COUNTED_SINCE, {"since": since})))))
        self.indices.drop_quietly(old)
        return len(written)

    def _fill(self, index: str, document_ids: list[int], progress: Progress) -> list[int]:
        written: list[int] = []
        try:
            for start in range(0, len(document_ids), self.batch_size):
                batch = document_ids[start:start + self.batch_size]
                written += self._write(index, _rows(batch))
                progress(len(batch))
            self.client.indices.refresh(index=index)
        except BaseException:
            self.indices.drop_quietly([index])
            raise
        return written

    def _write_live(self, rows: list[Written]) -> list[int]:
        """Write to the live alias and wait until a search finds what was written, before it is called searchable."""
        self.indices.ensure_alias()
        try:
            return self._write(self.alias, rows, live=True)
        except _AliasMissing:
            self.indices.forget()
            self.indices.ensure_alias()
            return self._write(self.alias, rows, live=True)

    def _write(self, index: str, rows: list[Written], live: bool = False) -> list[int]:
        """Bulk-index documents with their external versions, a few MB per request; return the ids now current."""
        current: list[int] = []
        batch: list[Written] = []
        for row in rows:
            if batch and sum(r.chars for r in batch) + row.chars > BULK_CHARS:
                current += self._bulk(index, batch, live)
                batch = []
            batch.append(row)
        return current + (self._bulk(index, batch, live) if batch else [])

    def _bulk(self, index: str, rows: list[Written], live: bool) -> list[int]:
        operations: list[dict] = []
        for row in rows:
            operations.append({"index": {"_index": index, "_id": str(row.id), "version": row.version,
                                         "version_type": "external"}})
            operations.append({"document_id": row.id, "category_id": str(row.category_id),
                               "chunks": [{"text": c.text, "numbers": c.numbers} for c in row.chunks]})
        # refresh="wait_for": `searchable: true` is only recorded once a search would find the file.
        extra = {"require_alias": True, "refresh": "wait_for"} if live else {}
        with reachable("index"):
            response = self.client.bulk(operations=operations, **extra)
        current, refused = [], []
        for row, item in zip(rows, response["items"], strict=True):
            result = item["index"]
            # 409: the index already holds this version or a newer one, which is what we want.
            if result["status"] < 300 or result["status"] == 409:
                current.append(row.id)
            else:
                refused.append(result)
        if refused:
            self._refuse(refused)
        return current

    def _refuse(self, refused: list[dict]) -> None:
        first = refused[0].get("error", {})
        if first.get("type") == "index_not_found_exception":
            raise _AliasMissing(first.get("reason"))
        log.warning("job=index refused=%s status=%s reason=%r", len(refused), refused[0]["status"], first.get("reason"))
        raise SearchUnavailable(f"Elasticsearch refused {len(refused)} document(s): {first.get('reason')}")

    # Reading

    def search(self, query: SearchQuery) -> SearchResults:
        """Return the best-scored page of matches; highlights and cells come from the chunks that matched."""
        body = {"query": file_query(query.text, query.category_ids, inner=True), "track_total_hits": True,
                "source": False, "timeout": f"{current_app.config['SEARCH_STATEMENT_TIMEOUT_MS']}ms"}
        if query.offset + query.per_page > MAX_WINDOW:
            body["query"] = file_query(query.text, query.category_ids, inner=False)
            response = self._search(size=0, **body)
            return SearchResults(response["hits"]["total"]["value"] if response else 0, [])
        response = self._search(from_=query.offset, size=query.per_page,
                                sort=[{"_score": "desc"}, {"document_id": "desc"}], **body)
        if response is None:
            return SearchResults(0, [])
        hits = [SearchHit(int(hit["_id"]), chunks=matched_chunks(hit)) for hit in response["hits"]["hits"]]
        place_hits(hits, query.text)
        return SearchResults(response["hits"]["total"]["value"], hits)

    def matching_categories(self, term: str) -> dict[int, int]:
        """Count matching documents per category with a terms aggregation."""
        response = self._search(
            size=0, query=file_query(term, None, inner=False),
            aggs={"categories": {"terms": {"field": "category_id", "size": MAX_CATEGORIES}}},
        )
        if response is None:
            return {}
        return {int(b["key"]): b["doc_count"] for b in response["aggregations"]["categories"]["buckets"]}

    def differences(self) -> IndexDifferences:
        """Compare ids, categories and versions in the index with the done documents in PostgreSQL."""
        expected = {row[0]: (str(row[1]), row[2]) for row in db.session.execute(_EXPECTED)}
        db.session.commit()
        indexed: dict[int, tuple[str, int]] = {}
        with reachable("check"):
            try:
                for hit in helpers.scan(self.client, index=self.alias, query={"query": {"match_all": {}}},
                                        source_includes=["category_id"], version=True):
                    indexed[int(hit["_id"])] = (str(hit["_source"]["category_id"]), hit["_version"])
            except NotFoundError:
                pass  # no index yet: every done document is missing
        both = expected.keys() & indexed.keys()
        return IndexDifferences(
            missing=sorted(expected.keys() - indexed.keys()),
            extra=sorted(indexed.keys() - expected.keys()),
            stale=sorted(i for i in both if expected[i] != indexed[i]),
            checked=len(expected),
        )

    def version(self) -> str:
        """Return the server's version number (answering quickly, like a ping)."""
        info = self.client.options(request_timeout=PING_TIMEOUT, max_retries=0).info()
        return str(info["version"]["number"])

    def ping(self) -> bool:
        """Tell whether Elasticsearch answers."""
        # Health checks must answer quickly even when Elasticsearch hangs.
        return bool(self.client.options(request_timeout=PING_TIMEOUT, max_retries=0).ping())

    def _search(self, **body) -> dict | None:
        """Search the alias; None when there is no index yet."""
        with reachable("search"):
            for attempt in (1, 2):
                try:
                    return self.client.search(index=self.alias, **body).body
                except NotFoundError:
                    # A search that raced an alias swap can meet the old index just deleted: ask once more.
                    if attempt == 2:
                        return None
        return None


def _rows(document_ids: list[int]) -> list[Written]:
    """Cut these done documents into chunks (kept in PostgreSQL for the pages' cells) and load what the index needs."""
    if not document_ids:
        return []
    chunks = chunk_store.store(document_ids, vectors=False)
    rows = [Written(row.id, row.category_id, row.version, chunks.get(row.id, []))
            for row in db.session.execute(_ROWS, {"ids": document_ids})]
    db.session.commit()
    return sorted(rows, key=lambda row: row.id)


def _mark_indexed(document_ids: list[int]) -> None:
    if document_ids:
        db.session.execute(_MARK_INDEXED, {"ids": document_ids})
        db.session.commit()

