"""PostgreSQL full-text search: the built-in default backend."""

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from webapp.extensions import db
from webapp.search.base import IndexDifferences, Progress, SearchHit, SearchQuery, SearchResults, SearchUnavailable
from webapp.search.locate import place_hits
from webapp.search.syntax import pipes_as_or
from webapp.workbook.numbers import canonical_query

# tsvector values are capped at 1 MB; very large workbooks are indexed on their first part.
INDEX_CHARS = 1_000_000
# 'simple' plus unaccent (migration 0002): lowercase and accent-folded, so `café` finds `cafe`.
CONFIG = "simple_folded"
# PostgreSQL's parser skips anything that looks like an HTML tag (and a <script> body entirely), so
# cell text like `<N/A>` would be unfindable; look-alike angle quotes keep it words, and readable.
_UNTAG = "'<>', '\u2039\u203a'"
_TEXT = f"translate(left(coalesce(text, ''), {INDEX_CHARS}), {_UNTAG})"
_TEXT_SHORT = f"translate(left(coalesce(text, ''), 100000), {_UNTAG})"

# Statements spell DocumentStatus values as SQL literals, so they read as the table stores them.
_INDEX = text(f"""
    UPDATE documents
       SET tsv = to_tsvector('{CONFIG}', {_TEXT})
              || to_tsvector('{CONFIG}', coalesce(numbers, '')),
           indexed_at = now()
     WHERE id = :id AND status = 'done'
""")
_INDEX_SHORT = text(f"""
    UPDATE documents
       SET tsv = to_tsvector('{CONFIG}', {_TEXT_SHORT})
              || to_tsvector('{CONFIG}', left(coalesce(numbers, ''), 100000)),
           indexed_at = now()
     WHERE id = :id AND status = 'done'
""")
_TOO_LONG = "54000"  # program_limit_exceeded: the tsvector would pass 1 MB
_DELETE = text("UPDATE documents SET tsv = NULL, indexed_at = NULL WHERE id = :id")
_MATCH = f"d.status = 'done' AND d.tsv @@ websearch_to_tsquery('{CONFIG}', :q)"
_IN_CATEGORIES = " AND d.category_id = ANY(:category_ids)"
# A search ranks at most this many matches, the newest: ranking and counting every match of a word
# found in every file took ~190 ms at 100k documents, for a page of 20. Past it the total is "1,000+".
RANK_WINDOW = 1_000
_RANK = f"ts_rank(d.tsv, websearch_to_tsquery('{CONFIG}', :q))"
# The newest matches: walk the documents from the newest and stop at the window.
_NEWEST = f"SELECT d.id, {_RANK} AS rank FROM documents d WHERE {_MATCH} ORDER BY d.id DESC LIMIT :window"
# Within a filter: list its counted files newest first from their index (migration 0004), then check
# the words row by row until the window is full. OFFSET 0 keeps PostgreSQL from merging the two
# reads back into one that checks every file of the filter before sorting.
_NEWEST_IN_CATEGORIES = f"""
    SELECT listed.id, m.rank
      FROM (SELECT c.id FROM documents c WHERE c.status = 'done' AND c.category_id = ANY(:category_ids)
             ORDER BY c.id DESC OFFSET 0) listed,
           LATERAL (SELECT {_RANK} AS rank FROM documents d WHERE d.id = listed.id AND {_MATCH}) m
     ORDER BY listed.id DESC LIMIT :window
"""
# find_regions first reads this many matches; fewer means exact counts per category. A more common
# term is counted per group instead, each count stopping early, so its cost does not grow with matches.
GROUP_SAMPLE = 200
_SAMPLE = text(f"""
    SELECT category_id, count(*) FROM (SELECT d.category_id FROM documents d WHERE {_MATCH} LIMIT :limit) s
     GROUP BY category_id
""")
_PER_GROUP = text(f"""
    SELECT (SELECT count(*) FROM (
               SELECT 1 FROM documents d
                WHERE d.category_id = ANY(ARRAY(SELECT m.id FROM unnest(CAST(:members AS int[]), CAST(:ids AS int[]))
                                                AS m(n, id) WHERE m.n = g.n))
                  AND {_MATCH} LIMIT :limit) s)
      FROM generate_series(1, :groups) AS g(n) ORDER BY g.n
""")
_MISSING = text("SELECT id FROM documents WHERE status = 'done' AND tsv IS NULL ORDER BY id")
_EXTRA = text("SELECT id FROM documents WHERE status <> 'done' AND tsv IS NOT NULL ORDER BY id")
_STALE = text("SELECT id FROM documents WHERE status = 'done' AND tsv IS NOT NULL AND indexed_at < updated_at ORDER BY id")
_DONE = text("SELECT count(*) FROM documents WHERE status = 'done'")


def user_query(raw: str) -> str:
    """Rewrite numbers in a user's query to their canonical form (`12.50` → `12.5`), as every backend does."""
    return canonical_query(raw)


def websearch_query(raw: str) -> str:
    """Turn what a user typed into websearch_to_tsquery input: canonical numbers, `|` as `or`."""
    # PostgreSQL text cannot hold NUL; it separates words like any other punctuation would.
    return pipes_as_or(user_query(raw.replace("\x00", " ")))


class PostgresSearch:
    """Search documents with a tsvector column and a GIN index in the documents table."""

    # Every answer is a query on PostgreSQL's own rows: equal snapshots give equal answers.
    answers_from_postgres = True

    def index_document(self, document_id: int) -> None:
        """Fill the document's tsvector from its stored text and numbers."""
        try:
            with db.session.begin_nested():
                db.session.execute(_INDEX, {"id": document_id})
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != _TOO_LONG:
                raise
            db.session.execute(_INDEX_SHORT, {"id": document_id})
        db.session.commit()

    def delete_document(self, document_id: int) -> None:
        """Clear the document's tsvector."""
        db.session.execute(_DELETE, {"id": document_id})
        db.session.commit()

    def search(self, query: SearchQuery) -> SearchResults:
        """Return the best-ranked page among the newest matches, highlighted and located."""
        params = {"q": websearch_query(query.text), "category_ids": list(query.category_ids or [])}
        filtered = query.category_ids is not None
        where = _MATCH + (_IN_CATEGORIES if filtered else "")
        # A page past the window is empty rather than a wider window: a deep page costs what page 1 costs.
        window = max(RANK_WINDOW, query.per_page)
        try:
            rows = db.session.execute(
                text(f"""
                    SELECT id, count(*) OVER () AS matches
                      FROM ({_NEWEST_IN_CATEGORIES if filtered else _NEWEST}) recent
                     ORDER BY rank DESC, id DESC LIMIT :limit OFFSET :offset
                """),
                {**params, "window": window + 1, "limit": max(0, min(query.per_page, window - query.offset)),
                 "offset": query.offset},
            ).all()
            matches = rows[0][1] if rows else self._count(where, params, window + 1)
        except OperationalError as exc:
            db.session.rollback()
            raise SearchUnavailable(str(exc)) from exc
        hits = [SearchHit(row[0]) for row in rows]
        # Highlights are cut in Python from the text read for cell locations: ts_headline re-read and
        # re-parsed every hit's text inside the search query, a third of a search's database time.
        place_hits(hits, query.text, highlight=True)
        return SearchResults(min(matches, window), hits,
                             total_is_estimate=matches > window)

    def _count(self, where: str, params: dict, limit: int) -> int:
        """Count matches, stopping at `limit` (for a page past the last one)."""
        statement = text(f"SELECT count(*) FROM (SELECT 1 FROM documents d WHERE {where} LIMIT :limit) s")
        return db.session.execute(statement, {**params, "limit": limit}).scalar()

    def matching_categories(self, term: str) -> dict[int, int]:
        """Count matching done documents per category."""
        try:
            rows = db.session.execute(
                text(f"SELECT d.category_id, count(*) FROM documents d WHERE {_MATCH} GROUP BY d.category_id"),
                {"q": websearch_query(term)},
            ).all()
        except OperationalError as exc:
            db.session.rollback()
            raise SearchUnavailable(str(exc)) from exc
        return dict(rows)

    def matching_groups(self, term: str, groups: dict[str, list[int]], cap: int) -> dict[str, int]:
        """Count matching done documents per group of category ids, stopping at cap + 1 per group."""
        params = {"q": websearch_query(term)}
        try:
            sample = dict(db.session.execute(_SAMPLE, {**params, "limit": GROUP_SAMPLE + 1}).all())
            if sum(sample.values()) <= GROUP_SAMPLE:
                counts = {key: sum(sample.get(i, 0) for i in ids) for key, ids in groups.items()}
            else:
                keys = list(groups)
                members = [n for n, key in enumerate(keys, 1) for _ in groups[key]]
                ids = [i for key in keys for i in groups[key]]
                per_group = db.session.execute(
                    _PER_GROUP, {**params, "members": members, "ids": ids, "groups": len(keys), "limit": cap + 1}
                ).scalars()
                counts = dict(zip(keys, per_group, strict=True))
        except OperationalError as exc:
            db.session.rollback()
            raise SearchUnavailable(str(exc)) from exc
        return {key: min(count, cap + 1) for key, count in counts.items() if count}

    def rebuild(self, document_ids: list[int], progress: Progress) -> int:
        """Recompute each document's tsvector in place; searches keep using the old one until then."""
        for document_id in document_ids:
            self.index_document(document_id)
            progress(1)
        return len(document_ids)

    def differences(self) -> IndexDifferences:
        """Find done documents without a tsvector, others with one, and ones changed since indexing."""
        found = IndexDifferences(*(list(db.session.scalars(q)) for q in (_MISSING, _EXTRA, _STALE)))
        found.checked = db.session.execute(_DONE).scalar()
        db.session.commit()
        return found

    def ping(self) -> bool:
        """PostgreSQL search is up whenever the database is."""
        return db.session.execute(text("SELECT 1")).scalar() == 1

