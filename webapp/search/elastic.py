"""Elasticsearch: documents in a versioned index behind an alias, written after PostgreSQL commits."""

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from elastic_transport import TransportError
from elasticsearch import ApiError, BadRequestError, Elasticsearch, NotFoundError, helpers
from sqlalchemy import Row, text

from webapp.extensions import db
from webapp.search.base import IndexDifferences, Progress, SearchHit, SearchQuery, SearchResults, SearchUnavailable
from webapp.search.highlight import START, STOP, safe_fragment
from webapp.search.postgres import user_query
from webapp.search.syntax import or_as_pipes

log = logging.getLogger(__name__)

# Text past this is left out of the index (PostgreSQL's own cap is 1 MB of tsvector).
INDEX_CHARS = 5_000_000
# Elasticsearch refuses to highlight past index.highlight.max_analyzed_offset unless told to stop there.
HIGHLIGHT_CHARS = 1_000_000
# index.max_result_window: deeper pages are refused by Elasticsearch, so we answer them with no hits.
MAX_WINDOW = 10_000
MAX_CATEGORIES = 50_000
REQUEST_TIMEOUT = 10
# Wrong credentials, overload and cluster trouble mean "try again later", never "bad input".
_UNAVAILABLE = {401, 403, 408, 429}
# The query language PostgreSQL's websearch_to_tsquery also speaks: no prefix, fuzzy or slop operators.
_FLAGS = "AND|OR|NOT|PHRASE|PRECEDENCE|WHITESPACE"
# A transaction that counted a document can commit a little after its now(); a rebuild re-sends those too.
_CATCH_UP_MARGIN = "5 minutes"

SETTINGS = {
    "number_of_shards": 1,
    "analysis": {
        "analyzer": {"folded": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]}}
    },
}
MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "document_id": {"type": "long"},
        "category_id": {"type": "keyword"},
        "text": {"type": "text", "analyzer": "folded"},
        "numbers": {"type": "text", "analyzer": "folded"},
    },
}
HIGHLIGHT = {
    "pre_tags": [START],
    "post_tags": [STOP],
    "max_analyzed_offset": HIGHLIGHT_CHARS,
    "fields": {"text": {"number_of_fragments": 3, "fragment_size": 120, "no_match_size": 120}},
}

# The version is the moment PostgreSQL last changed the document, so an older write always loses.
_VERSION = "(extract(epoch FROM updated_at) * 1000000)::bigint"
_ROWS = text(f"""
    SELECT id, category_id, left(coalesce(text, ''), {INDEX_CHARS}) AS text,
           left(coalesce(numbers, ''), {INDEX_CHARS}) AS numbers, {_VERSION} AS version
      FROM documents WHERE id = ANY(:ids) AND status = 'done' ORDER BY id
""")
_EXPECTED = text(f"SELECT id, category_id, {_VERSION} FROM documents WHERE status = 'done'")
_COUNTED_SINCE = text(f"""
    SELECT id FROM documents
     WHERE status = 'done' AND updated_at >= :since - interval '{_CATCH_UP_MARGIN}' ORDER BY id
""")
_MARK_INDEXED = text("UPDATE documents SET indexed_at = now() WHERE id = ANY(:ids) AND status = 'done'")
_UNMARK = text("UPDATE documents SET indexed_at = NULL WHERE id = :id")


class _AliasMissing(Exception):
    """The alias was removed under us (e.g. an operator deleted the index)."""


@contextmanager
def _reachable(action: str) -> Iterator[None]:
    try:
        yield
    except TransportError as exc:
        raise SearchUnavailable(f"Elasticsearch {action}: {exc}") from exc
    except ApiError as exc:
        if exc.meta.status >= 500 or exc.meta.status in _UNAVAILABLE:
            raise SearchUnavailable(f"Elasticsearch {action}: {exc}") from exc
        raise


def connect(config: Mapping) -> Elasticsearch:
    """Build a client from the app's settings; certificates are always verified."""
    ca_certs = config.get("ELASTICSEARCH_CA_CERTS") or None
    if ca_certs and not Path(ca_certs).is_file():
        raise RuntimeError(f"ELASTICSEARCH_CA_CERTS is {ca_certs!r}, which is not a file.")
    password = config.get("ELASTICSEARCH_PASSWORD")
    auth = (config.get("ELASTICSEARCH_USERNAME") or "elastic", password) if password else None
    return Elasticsearch(
        config["ELASTICSEARCH_URL"], basic_auth=auth, ca_certs=ca_certs,
        request_timeout=REQUEST_TIMEOUT, max_retries=2, retry_on_timeout=True,
    )


def query_text(raw: str) -> str:
    """Turn what a user typed into simple_query_string input: canonical numbers, `or` as `|`."""
    return or_as_pipes(user_query(raw))


class ElasticSearch:
    """Search documents in Elasticsearch; PostgreSQL stays the source of truth."""

    batch_size = 500

    def __init__(self, client: Elasticsearch, alias: str) -> None:
        self.client = client
        self.alias = alias
        self._alias_ready = False

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
        with _reachable("delete"):
            try:
                self.client.delete(index=self.alias, id=str(document_id), refresh="wait_for")
            except NotFoundError:
                pass  # never indexed, or no index yet: already unfindable
        db.session.execute(_UNMARK, {"id": document_id})
        db.session.commit()

    def rebuild(self, document_ids: list[int], progress: Progress) -> int:
        """Fill a new versioned index, swap the alias to it in one step, then drop the old one."""
        since = db.session.execute(text("SELECT localtimestamp")).scalar()
        db.session.commit()
        with _reachable("rebuild"):
            old, new = self._indices_behind_alias(), self._next_index()
            self._create(new)
            written = self._fill(new, document_ids, progress)
            self.client.indices.update_aliases(
                actions=[{"remove": {"index": name, "alias": self.alias}} for name in old]
                + [{"add": {"index": new, "alias": self.alias}}]
            )
        self._alias_ready = True
        _mark_indexed(written)
        log.info("job=reindex index=%s replaced=%s documents=%s", new, ",".join(old) or "-", len(written))
        # Documents counted while we filled the new index may have been written to the old one.
        _mark_indexed(self._write_live(_rows(list(db.session.scalars(_COUNTED_SINCE, {"since": since})))))
        if old:
            with _reachable("drop old index"):
                self.client.indices.delete(index=",".join(old))
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
            self._drop_quietly(index)
            raise
        return written

    def _write_live(self, rows: list[Row]) -> list[int]:
        self._ensure_alias()
        try:
            return self._write(self.alias, rows, require_alias=True)
        except _AliasMissing:
            self._alias_ready = False
            self._ensure_alias()
            return self._write(self.alias, rows, require_alias=True)

    def _write(self, index: str, rows: list[Row], require_alias: bool = False) -> list[int]:
        """Bulk-index rows with their external versions; return the ids now current in the index."""
        if not rows:
            return []
        operations: list[dict] = []
        for row in rows:
            operations.append({"index": {"_index": index, "_id": str(row.id), "version": row.version,
                                         "version_type": "external"}})
            operations.append({"document_id": row.id, "category_id": str(row.category_id),
                               "text": row.text, "numbers": row.numbers})
        with _reachable("index"):
            response = self.client.bulk(operations=operations, require_alias=require_alias)
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
        """Return the best-scored page of matches with escaped highlights."""
        body = {"query": self._query(query.text, query.category_ids), "track_total_hits": True, "source": False}
        if query.offset + query.per_page > MAX_WINDOW:
            response = self._search(size=0, **body)
            return SearchResults(response["hits"]["total"]["value"] if response else 0, [])
        response = self._search(
            from_=query.offset, size=query.per_page, highlight=HIGHLIGHT,
            sort=[{"_score": "desc"}, {"document_id": "desc"}], **body,
        )
        if response is None:
            return SearchResults(0, [])
        hits = [
            SearchHit(int(hit["_id"]), [safe_fragment(f) for f in hit.get("highlight", {}).get("text", []) if f.strip()])
            for hit in response["hits"]["hits"]
        ]
        return SearchResults(response["hits"]["total"]["value"], hits)

    def matching_categories(self, term: str) -> dict[int, int]:
        """Count matching documents per category with a terms aggregation."""
        response = self._search(
            size=0, query=self._query(term, None),
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
        with _reachable("check"):
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

    def ping(self) -> bool:
        """Tell whether Elasticsearch answers."""
        return bool(self.client.ping())

    def _query(self, raw: str, category_ids: tuple[int, ...] | None) -> dict:
        words = {"simple_query_string": {"query": query_text(raw), "fields": ["text", "numbers"],
                                         "default_operator": "and", "flags": _FLAGS}}
        limits = [] if category_ids is None else [{"terms": {"category_id": [str(c) for c in category_ids]}}]
        return {"bool": {"must": [words], "filter": limits}}

    def _search(self, **body) -> dict | None:
        """Search the alias; None when there is no index yet."""
        with _reachable("search"):
            for attempt in (1, 2):
                try:
                    return self.client.search(index=self.alias, **body).body
                except NotFoundError:
                    # A search that raced an alias swap can meet the old index just deleted: ask once more.
                    if attempt == 2:
                        return None
        return None

    # Indices and the alias

    def _ensure_alias(self) -> None:
        if self._alias_ready:
            return
        with _reachable("create index"):
            if not self.client.indices.exists_alias(name=self.alias):
                first = f"{self.alias}-v1"
                if not self._create(first, aliases={self.alias: {}}):
                    self.client.indices.put_alias(index=first, name=self.alias)
        self._alias_ready = True

    def _create(self, name: str, aliases: dict | None = None) -> bool:
        """Create a versioned index; return False if it already existed."""
        try:
            self.client.indices.create(index=name, settings=SETTINGS, mappings=MAPPINGS, aliases=aliases or {})
        except BadRequestError as exc:
            if exc.error != "resource_already_exists_exception":
                raise
            return False
        return True

    def _indices_behind_alias(self) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            return []

    def _next_index(self) -> str:
        pattern = re.compile(rf"^{re.escape(self.alias)}-v(\d+)$")
        try:
            names = self.client.indices.get_alias(index=f"{self.alias}-v*").body
        except NotFoundError:
            names = {}
        versions = [int(m.group(1)) for name in names if (m := pattern.match(name))]
        return f"{self.alias}-v{max(versions, default=0) + 1}"

    def _drop_quietly(self, index: str) -> None:
        try:
            self.client.indices.delete(index=index)
        except (TransportError, ApiError) as exc:
            log.warning("job=reindex index=%s state=left_behind reason=%r", index, str(exc))


def _rows(document_ids: list[int]) -> list[Row]:
    """Load what the index needs for these done documents, ending the read transaction at once."""
    if not document_ids:
        return []
    rows = list(db.session.execute(_ROWS, {"ids": document_ids}))
    db.session.commit()
    return rows


def _mark_indexed(document_ids: list[int]) -> None:
    if document_ids:
        db.session.execute(_MARK_INDEXED, {"ids": document_ids})
        db.session.commit()

