"""PostgreSQL full-text search: the built-in default backend, over every chunk of every file."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from webapp.extensions import db
from webapp.search import chunk_store
from webapp.search.base import IndexDifferences, Progress, SearchHit, SearchQuery, SearchResults, SearchUnavailable
from webapp.search.chunk_store import CONFIG, HIT_COLUMNS
from webapp.search.chunks import NUMBERS_LINE
from webapp.search.locate import CHUNKS_PER_HIT, place_hits
from webapp.search.syntax import Clause, Term, clauses, pipes_as_or
from webapp.workbook.numbers import canonical_query

# Statements spell DocumentStatus values as SQL literals, so they read as the table stores them.
_MARK_INDEXED = text("UPDATE documents SET indexed_at = now() WHERE id = ANY(:ids) AND status = 'done'")
_DELETE = text("UPDATE documents SET indexed_at = NULL WHERE id = :id")
_IN_CATEGORIES = " AND d.category_id = ANY(:category_ids)"
# A search ranks at most this many matches, the newest: ranking and counting every match of a word
# found in every file took ~190 ms at 100k documents, for a page of 20. Past it the total is "1,000+".
RANK_WINDOW = 1_000
# Documents indexed per transaction by `flask search reindex`.
REBUILD_BATCH = 100
# find_regions first reads this many matches; fewer means exact counts per category. A more common
# term is counted per group instead, each count stopping early, so its cost does not grow with matches.
GROUP_SAMPLE = 200
_HAS_CHUNK = "EXISTS (SELECT 1 FROM document_chunks c WHERE c.document_id = d.id AND c.tsv IS NOT NULL)"
_MISSING = text(f"SELECT d.id FROM documents d WHERE d.status = 'done' AND NOT {_HAS_CHUNK} ORDER BY d.id")
_EXTRA = text(f"SELECT d.id FROM documents d WHERE d.status <> 'done' AND {_HAS_CHUNK} ORDER BY d.id")
_STALE = text(f"""
    SELECT d.id FROM documents d
     WHERE d.status = 'done' AND {_HAS_CHUNK} AND (d.indexed_at IS NULL OR d.indexed_at < d.updated_at) ORDER BY d.id
""")
_DONE = text("SELECT count(*) FROM documents WHERE status = 'done'")
# The first chunks of each hit holding any of the words sought, for its cell locations and highlights.
_FOUND_CHUNKS = text(f"""
    SELECT {HIT_COLUMNS} FROM unnest(CAST(:ids AS int[])) AS h(id)
      JOIN documents d ON d.id = h.id
     CROSS JOIN LATERAL (SELECT c.document_id, c.seq, c.first_line, c.first_column, c.text FROM document_chunks c
                          WHERE c.document_id = h.id AND c.first_line <> {NUMBERS_LINE}
                            AND c.tsv @@ websearch_to_tsquery('{CONFIG}', :any)
                          ORDER BY c.seq LIMIT {CHUNKS_PER_HIT}) c
     ORDER BY c.document_id, c.seq
""")


def user_query(raw: str) -> str:
    """Rewrite numbers in a user's query to their canonical form (`12.50` → `12.5`), as every backend does."""
    return canonical_query(raw)


def websearch_query(raw: str) -> str:
    """Turn what a user typed into websearch_to_tsquery input: canonical numbers, `|` as `or`."""
    # PostgreSQL text cannot hold NUL; it separates words like any other punctuation would.
    return pipes_as_or(user_query(raw.replace("\x00", " ")))


@dataclass(frozen=True)
class Words:
    """A query as SQL over a document `d`: each clause must be in one of its chunks, an excluded term in none.

    A file is split into chunks, so the words of a query may each be in a different chunk (row 5 and
    row 90,000), exactly as if the file were one text; a phrase is matched within a chunk.
    """

    where: str
    rank: str
    params: dict

    @classmethod
    def of(cls, raw: str) -> "Words":
        """Build the match and rank expressions for what a user typed."""
        found = clauses(websearch_query(raw))
        params = {f"q{i}": _clause_query(c) for i, c in enumerate(found)}
        tests = [("NOT " if c.excluded else "") + _in_a_chunk(f":q{i}") for i, c in enumerate(found)]
        wanted = [c.spelled("or") for c in found if not c.excluded]
        params["any"] = " or ".join(f"({w})" if " or " in w else w for w in wanted)
        rank = (f"(SELECT max(ts_rank(c.tsv, websearch_to_tsquery('{CONFIG}', :any))) FROM document_chunks c "
                f"WHERE c.document_id = d.id AND c.tsv @@ websearch_to_tsquery('{CONFIG}', :any))") if wanted else "0"
        return cls(" AND ".join(["d.status = 'done'", *tests]) if found else "false", rank, params)


def _clause_query(clause: Clause) -> str:
    excluded = clause.excluded
    return Term(excluded.text, excluded.phrase).spelled() if excluded else clause.spelled("or")


def _in_a_chunk(param: str) -> str:
    return (f"EXISTS (SELECT 1 FROM document_chunks c WHERE c.document_id = d.id "
            f"AND c.tsv @@ websearch_to_tsquery('{CONFIG}', {param}))")


class PostgresSearch:
    """Search documents through the tsvectors of their chunks (table document_chunks, a GIN index)."""

    # Every answer is a query on PostgreSQL's own rows: equal snapshots give equal answers.
    answers_from_postgres = True

    def index_document(self, document_id: int) -> None:
        """Cut the document's stored text into chunks and index each of them."""
        self._index([document_id])

    def _index(self, document_ids: list[int]) -> None:
        chunk_store.store(document_ids, vectors=True)
        db.session.execute(_MARK_INDEXED, {"ids": document_ids})
        db.session.commit()

    def delete_document(self, document_id: int) -> None:
        """Remove the document's chunks from the index."""
        chunk_store.clear(document_id)
        db.session.execute(_DELETE, {"id": document_id})
        db.session.commit()

    def search(self, query: SearchQuery) -> SearchResults:
        """Return the best-ranked page among the newest matches, highlighted and located."""
        words = Words.of(query.text)
        params = {**words.params, "category_ids": list(query.category_ids or [])}
        filtered = query.category_ids is not None
        # A page past the window is empty rather than a wider window: a deep page costs what page 1 costs.
        window = max(RANK_WINDOW, query.per_page)
        with _bounded():
            rows = db.session.execute(
                text(f"""
                    SELECT id, count(*) OVER () AS matches FROM ({_newest(words, filtered)}) recent
                     ORDER BY rank DESC, id DESC LIMIT :limit OFFSET :offset
                """),
                {**params, "window": window + 1, "limit": max(0, min(query.per_page, window - query.offset)),
                 "offset": query.offset},
            ).all()
            matches = rows[0][1] if rows else self._count(words.where + (_IN_CATEGORIES if filtered else ""),
                                                          params, window + 1)
            hits = [SearchHit(row[0]) for row in rows]
            # Highlights are cut in Python from the chunks read for cell locations: ts_headline re-read and
            # re-parsed every hit's text inside the search query, a third of a search's database time.
            place_hits(hits, query.text, self._found_chunks(hits, words))
        return SearchResults(min(matches, window), hits, total_is_estimate=matches > window)

    def _found_chunks(self, hits: list[SearchHit], words: Words) -> dict[int, chunk_store.HitText]:
        """Read the first chunks of each hit holding any word sought, with its breakdown, in one statement."""
        if not hits or not words.params["any"]:
            return {}
        read = chunk_store.collect(db.session.execute(
            _FOUND_CHUNKS, {"ids": [h.document_id for h in hits], "any": words.params["any"]}))
        for hit in hits:
            hit.chunks = [chunk.seq for chunk in read.get(hit.document_id, chunk_store.HitText(None)).chunks]
        return read

    def _count(self, where: str, params: dict, limit: int) -> int:
        """Count matches, stopping at `limit` (for a page past the last one)."""
        statement = text(f"SELECT count(*) FROM (SELECT 1 FROM documents d WHERE {where} LIMIT :limit) s")
        return db.session.execute(statement, {**params, "limit": limit}).scalar()

    def matching_categories(self, term: str) -> dict[int, int]:
        """Count matching done documents per category."""
        words = Words.of(term)
        with _bounded():
            rows = db.session.execute(
                text(f"SELECT d.category_id, count(*) FROM documents d WHERE {words.where} GROUP BY d.category_id"),
                words.params,
            ).all()
        return dict(rows)

    def matching_groups(self, term: str, groups: dict[str, list[int]], cap: int) -> dict[str, int]:
        """Count matching done documents per group of category ids, stopping at cap + 1 per group."""
        words = Words.of(term)
        with _bounded():
            sample = dict(db.session.execute(text(f"""
                SELECT category_id, count(*) FROM (SELECT d.category_id FROM documents d WHERE {words.where}
                                                    LIMIT :limit) s GROUP BY category_id
            """), {**words.params, "limit": GROUP_SAMPLE + 1}).all())
            if sum(sample.values()) <= GROUP_SAMPLE:
                counts = {key: sum(sample.get(i, 0) for i in ids) for key, ids in groups.items()}
            else:
                counts = self._per_group(words, groups, cap)
        return {key: min(count, cap + 1) for key, count in counts.items() if count}

    def _per_group(self, words: Words, groups: dict[str, list[int]], cap: int) -> dict[str, int]:
        keys = list(groups)
        members = [n for n, key in enumerate(keys, 1) for _ in groups[key]]
        ids = [i for key in keys for i in groups[key]]
        per_group = db.session.execute(text(f"""
            SELECT (SELECT count(*) FROM (
                       SELECT 1 FROM documents d
                        WHERE d.category_id = ANY(ARRAY(SELECT m.id FROM unnest(CAST(:members AS int[]),
                                                        CAST(:ids AS int[])) AS m(n, id) WHERE m.n = g.n))
                          AND {words.where} LIMIT :limit) s)
              FROM generate_series(1, :groups) AS g(n) ORDER BY g.n
        """), {**words.params, "members": members, "ids": ids, "groups": len(keys), "limit": cap + 1}).scalars()
        return dict(zip(keys, per_group, strict=True))

    def rebuild(self, document_ids: list[int], progress: Progress) -> int:
        """Cut and index each document's chunks afresh, in batches; searches use the old chunks until then."""
        for start in range(0, len(document_ids), REBUILD_BATCH):
            batch = document_ids[start:start + REBUILD_BATCH]
            self._index(batch)
            progress(len(batch))
        return len(document_ids)

    def differences(self) -> IndexDifferences:
        """Find done documents without indexed chunks, others with some, and ones changed since indexing."""
        found = IndexDifferences(*(list(db.session.scalars(q)) for q in (_MISSING, _EXTRA, _STALE)))
        found.checked = db.session.execute(_DONE).scalar()
        db.session.commit()
        return found

    def ping(self) -> bool:
        """PostgreSQL search is up whenever the database is."""
        return db.session.execute(text("SELECT 1")).scalar() == 1


def _newest(words: Words, filtered: bool) -> str:
    """Return the newest matches (at most :window), each with its rank."""
    if not filtered:
        # Walk the documents from the newest and stop at the window.
        return (f"SELECT d.id, {words.rank} AS rank FROM documents d WHERE {words.where} "
                "ORDER BY d.id DESC LIMIT :window")
    # Within a filter: list its counted files newest first from their index (migration 0004), then check
    # the words row by row until the window is full. OFFSET 0 keeps PostgreSQL from merging the two
    # reads back into one that checks every file of the filter before sorting.
    return f"""
        SELECT listed.id, m.rank
          FROM (SELECT c.id FROM documents c WHERE c.status = 'done' AND c.category_id = ANY(:category_ids)
                 ORDER BY c.id DESC OFFSET 0) listed,
               LATERAL (SELECT {words.rank} AS rank FROM documents d WHERE d.id = listed.id AND {words.where}) m
         ORDER BY listed.id DESC LIMIT :window
    """


@contextmanager
def _bounded() -> Iterator[None]:
    """Run a search's statements under SEARCH_STATEMENT_TIMEOUT_MS; a database away or too slow is 'unavailable'.

    The limit is local to the request's transaction (set_config(…, true)), which ends with the request.
    """
    try:
        db.session.execute(text("SELECT set_config('statement_timeout', :ms, true)"),
                           {"ms": str(current_app.config["SEARCH_STATEMENT_TIMEOUT_MS"])})
        yield
    except OperationalError as exc:  # psycopg's QueryCanceled (the timeout) is one too
        db.session.rollback()
        raise SearchUnavailable(str(exc)) from exc
