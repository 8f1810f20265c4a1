"""Bulk-load counted documents the way the worker leaves them, then index them in bulk.

The worker's path per document is: mark done with text/numbers/total, add the total to the
category in the same transaction, then index. Here the same three effects happen per batch:
COPY the done rows, add their totals with one `total = total + delta` UPDATE and write their ledger rows,
in one transaction; then fill the search index through the backend's own bulk path (`rebuild`).
"""

import multiprocessing
import sys
import time
from collections.abc import Iterator

import click
from sqlalchemy import text

from bench._corpus import Corpus, Row
from webapp import search
from webapp.extensions import db
from webapp.services.answers import categories

BATCH = 2_000
_COLUMNS = ("category_id, filename, sha256, size, status, total, counted_total, counted_at, "
            "text, numbers, breakdown, attempts")
_ADD_TO_CATEGORIES = text("""
    UPDATE categories c
       SET total = c.total + s.total, documents = c.documents + s.files, updated_at = now()
      FROM (SELECT category_id, sum(counted_total) AS total, count(*) AS files
              FROM documents WHERE id > :after GROUP BY category_id) s
     WHERE c.id = s.category_id
""")
# The ledger rows the worker would have written with each count, after the batch's increment: a document's
# total after is the category's new total less what the batch's later documents added.
_LEDGER_ROWS = text("""
    INSERT INTO total_changes (category_id, document_id, filename, kind, amount, total_after, documents_after, at)
    SELECT d.category_id, d.id, d.filename, 'counted', d.counted_total,
           c.total - sum(d.counted_total) OVER later + d.counted_total, c.documents - count(*) OVER later + 1,
           d.counted_at
      FROM documents d JOIN categories c ON c.id = d.category_id
     WHERE d.id > :after
    WINDOW later AS (PARTITION BY d.category_id ORDER BY d.id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
""")
_corpus: Corpus | None = None


def create_categories(corpus: Corpus) -> list[int]:
    """Create the bench categories through the categories service; return their ids in corpus order."""
    ids = []
    for category in corpus.categories:
        ids.append(categories.create_category(category.name, category.region, category.type).id)
    return ids


def _rows(start: int, stop: int) -> list[Row]:
    global _corpus
    if _corpus is None:
        _corpus = Corpus()
    return [_corpus.row(i) for i in range(start, stop)]


def _batches(start: int, stop: int) -> Iterator[list[Row]]:
    ranges = [(lo, min(lo + BATCH, stop)) for lo in range(start, stop, BATCH)]
    # Two generator processes keep PostgreSQL busy while Python builds the next texts.
    with multiprocessing.get_context("fork").Pool(2) as pool:
        yield from pool.imap(_star_rows, ranges)


def _star_rows(bounds: tuple[int, int]) -> list[Row]:
    return _rows(*bounds)


def load_documents(category_ids: list[int], start: int, stop: int) -> float:
    """Insert documents start..stop as counted, adding each batch to its categories atomically; return seconds."""
    started = time.monotonic()
    with click.progressbar(length=stop - start, label=f"Loading documents {start:,}–{stop:,}",
                           file=sys.stderr, show_pos=True) as bar:
        for rows in _batches(start, stop):
            _copy_batch(category_ids, rows)
            bar.update(len(rows))
    return time.monotonic() - started


def _copy_batch(category_ids: list[int], rows: list[Row]) -> None:
    after = db.session.execute(text("SELECT coalesce(max(id), 0) FROM documents")).scalar()
    raw = db.session.connection().connection.driver_connection
    with raw.cursor().copy(f"COPY documents ({_COLUMNS}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((category_ids[row.category_index], row.filename, row.sha256, row.size, "done",
                            row.total, row.total, "now", row.text, row.numbers, row.breakdown, 1))
    db.session.execute(_ADD_TO_CATEGORIES, {"after": after})
    db.session.execute(_LEDGER_ROWS, {"after": after})
    db.session.commit()


def index_documents() -> float:
    """Index every done document the search backend has not seen yet, through its own bulk path; return seconds.

    That path is `rebuild` (what `flask search reindex` runs): PostgreSQL cuts each document into chunks
    and indexes them in batches, Elasticsearch fills a new index.
    """
    started = time.monotonic()
    ids = list(db.session.scalars(text("SELECT id FROM documents WHERE status = 'done' AND indexed_at IS NULL ORDER BY id")))
    db.session.commit()
    with click.progressbar(length=len(ids), label="Indexing documents", file=sys.stderr, show_pos=True) as bar:
        search.rebuild(ids, bar.update)
    vacuum()
    return time.monotonic() - started


# The tables search reads, whichever layout the schema has (documents alone, or documents and their chunks).
_SEARCH_TABLES = ("documents", "document_chunks")


def index_size() -> dict[str, int]:
    """Return the bytes PostgreSQL keeps for search: each table (with its TOAST) and each of its indexes."""
    rows = db.session.execute(text("""
        SELECT c.relname, pg_table_size(c.oid) FROM pg_class c
         WHERE c.relkind = 'r' AND c.relname = ANY(:tables)
        UNION ALL
        SELECT i.relname, pg_relation_size(i.oid) FROM pg_index x
          JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         WHERE t.relname = ANY(:tables)
    """), {"tables": list(_SEARCH_TABLES)}).all()
    db.session.commit()
    sizes = {name: int(size) for name, size in rows}
    sizes["total"] = sum(sizes.values())
    return sizes


def verify_totals() -> int:
    """Return how many categories' totals differ from their counted documents or from their ledger (must be 0)."""
    from webapp.services.pipeline import reconcile

    return len(reconcile.ledger_differences()) + db.session.execute(text("""
        SELECT count(*) FROM categories c
          LEFT JOIN (SELECT category_id, sum(counted_total) AS total, count(*) AS files
                       FROM documents WHERE counted_at IS NOT NULL GROUP BY category_id) s
            ON s.category_id = c.id
         WHERE c.total <> coalesce(s.total, 0) OR c.documents <> coalesce(s.files, 0)
    """)).scalar()


def prepare_database() -> None:
    """Bring the schema up through the migrations; refuse a database that already holds data."""
    from flask_migrate import upgrade

    upgrade()
    if db.session.execute(text("SELECT EXISTS (SELECT 1 FROM categories)")).scalar():
        raise SystemExit("The database already has categories; point DATABASE_URL at an empty database.")


def bench_token() -> dict[str, str]:
    """Create the bench's admin (every region) and an API token; return the header every request sends."""
    from webapp.accounts import tokens, users

    admin = users.create_user("bench", "bench-password-not-for-use", "admin", by="bench")
    return {"Authorization": f"Bearer {tokens.create_token(admin, 'bench')[1]}"}


def vacuum() -> None:
    """VACUUM ANALYZE the tables, as autovacuum would after a bulk load."""
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE documents"))
        connection.execute(text("VACUUM ANALYZE document_chunks"))
        connection.execute(text("VACUUM ANALYZE categories"))


def discard_queued() -> None:
    """Drop the documents the upload measurement queued (no worker ran) and their jobs."""
    from webapp.services.pipeline import queue

    queue.documents_queue().empty()
    db.session.execute(text("DELETE FROM documents WHERE status = 'queued' AND counted_at IS NULL"))
    db.session.commit()


def wait_for_workers(count: int, timeout: float = 60.0) -> None:
    """Wait until `count` RQ workers listen on the documents queue."""
    from rq import Worker

    from webapp import broker

    deadline = time.monotonic() + timeout
    while len(Worker.all(connection=broker.connection())) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"{count} worker(s) did not start within {timeout:.0f} s.")
        time.sleep(0.1)


def wait_until_processed(filename_pattern: str, expected: int, timeout: float) -> tuple[int, int]:
    """Wait until `expected` documents named like the pattern are done or failed; return (done, failed)."""
    deadline = time.monotonic() + timeout
    while True:
        done, failed = db.session.execute(text("""
            SELECT count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status = 'failed')
              FROM documents WHERE filename LIKE :pattern
        """), {"pattern": filename_pattern}).one()
        db.session.commit()
        if done + failed >= expected or time.monotonic() > deadline:
            return done, failed
        time.sleep(0.05)
