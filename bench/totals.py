"""Running totals under load: documents per second with 1, 2 and 4 real workers, and a hot category.

    .venv/bin/python bench/totals.py                  # 300 small workbooks per worker count
    .venv/bin/python bench/totals.py --docs 100 --increments 200
    .venv/bin/python bench/totals.py --workers 1      # only the per-document cost with one worker

1. Throughput: small workbooks are uploaded through the product's upload service, then processed by
   1, 2 and 4 `python worker.py` processes (the same documents each time, reset between runs).
   Documents per second is read from the documents' own `counted_at` commit times over the middle
   80% of the run, so worker start-up does not count. Every run must end exact (`flask totals check`).
   Per document with 1 worker: its time (1 / docs per second), the time to read the workbook (fetch and
   extract, measured here on the same stored files) and the rest, the cost of a job beyond reading it
   (the reader's child process, connections, claim, commit, index, RQ's own bookkeeping).
2. One hot category, 8 concurrent writers: the product's atomic `total = total + :x` (with its ledger row) against the
   read-modify-write baseline (read the total, add in Python, write it back), in the same run, and the
   product's whole count transaction (document done + counted_at + increment). The baseline's lost
   updates are reported.

Starts its own embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set (the database is
then emptied: point it at a scratch one). Progress goes to stderr; the table and, last, one JSON object
to stdout.
"""

import argparse
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORKER_COUNTS = (1, 2, 4)
WRITERS = 8
ROUNDS = 3


def progress(message: str) -> None:
    """Say what the bench is doing, on stderr."""
    print(f"[totals] {message}", file=sys.stderr, flush=True)


def _start_services(folder: Path) -> list:
    from webapp.embedded import EmbeddedPostgres, EmbeddedRedis

    servers = []
    if not os.environ.get("DATABASE_URL"):
        postgres = EmbeddedPostgres(folder / "postgres", delete_on_stop=True)
        os.environ["DATABASE_URL"] = postgres.start("bench")
        servers.append(postgres)
    if not os.environ.get("REDIS_URL"):
        redis = EmbeddedRedis(folder / "redis", persistent=False)
        os.environ["REDIS_URL"] = redis.start()
        servers.append(redis)
    os.environ.setdefault("SECRET_KEY", "bench-secret")
    os.environ["UPLOAD_FOLDER"] = str(folder / "uploads")
    os.environ["ELASTICSEARCH_URL"] = ""
    return servers


def _config():
    """Settings from the environment as it is now (webapp.config read it at import, before the servers)."""
    from webapp.config import Config

    config = Config()
    config.SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
    config.REDIS_URL = os.environ["REDIS_URL"]
    config.SECRET_KEY = os.environ["SECRET_KEY"]
    config.UPLOAD_FOLDER = os.environ["UPLOAD_FOLDER"]
    config.ELASTICSEARCH_URL = ""
    return config


def _workbook(index: int) -> bytes:
    """A small workbook: 40 rows of numbers and short text; its sum differs with the index."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in range(40):
        sheet.append([index + row, round((index * 7 + row) / 100, 2), f"item {row}", row * 3])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- throughput ---------------------------------------------------------------------------------------


def _reset(app) -> None:
    from sqlalchemy import text

    from webapp import broker
    from webapp.extensions import db
    from webapp.services.pipeline import queue

    with app.app_context():
        db.session.execute(text(
            "UPDATE documents SET status = 'queued', attempts = 0, counted_at = NULL, counted_total = NULL, "
            "total = NULL, indexed_at = NULL, lease_until = NULL, updated_at = now()"
        ))
        db.session.execute(text("UPDATE categories SET total = 0, documents = 0"))
        db.session.execute(text("DELETE FROM total_changes WHERE kind <> 'opening'"))
        db.session.commit()
        broker.connection().flushdb()
        ids = list(db.session.execute(text("SELECT id FROM documents ORDER BY id")).scalars())
        for document_id in ids:
            queue.enqueue_document(document_id)


def _upload(app, count: int) -> None:
    from webapp.services.answers import categories
    from webapp.services.pipeline import uploads

    with app.app_context():
        category = categories.create_category("bench", "Bench", "bench")
        for index in range(count):
            uploads.accept_uploads(category, [uploads.IncomingFile(f"w{index}.xlsx", io.BytesIO(_workbook(index)))])
            if (index + 1) % 100 == 0:
                progress(f"uploaded {index + 1}/{count}")


def _run_workers(app, workers: int, count: int, logs: Path) -> dict:
    from sqlalchemy import text

    from webapp.extensions import db
    from webapp.services.pipeline import reconcile

    _reset(app)
    env = dict(os.environ)
    children = []
    for number in range(workers):
        log = open(logs / f"worker-{workers}-{number}.log", "wb")  # noqa: SIM115 - closed below
        children.append((subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True), log))
    started = time.monotonic()
    try:
        with app.app_context():
            while True:
                done = db.session.execute(text("SELECT count(*) FROM documents WHERE status = 'done'")).scalar()
                db.session.rollback()
                if done == count:
                    break
                if time.monotonic() - started > 600:
                    raise SystemExit(f"{workers} worker(s) did not finish in 10 minutes ({done}/{count} done)")
                time.sleep(0.2)
            times = list(db.session.execute(text("SELECT counted_at FROM documents ORDER BY counted_at")).scalars())
            exact = not reconcile.differences()
            db.session.remove()
    finally:
        for child, _log in children:
            os.killpg(child.pid, signal.SIGTERM)
        for child, log in children:
            child.wait(timeout=60)
            log.close()
    low, high = int(count * 0.1), int(count * 0.9) - 1
    seconds = (times[high] - times[low]).total_seconds()
    return {"workers": workers, "documents": count, "docs_per_second": round((high - low) / seconds, 1), "exact": exact}


def _read_ms(app, count: int) -> float:
    """Mean milliseconds to fetch and extract one of the stored workbooks in this process (warm): the read itself,
    without the child process a job reads in, which counts as the job's overhead."""
    from sqlalchemy import text

    from webapp.extensions import db
    from webapp.services.pipeline import processing, storage
    from webapp.workbook.extract import extract

    def read(sha256: str) -> None:
        with storage.fetched(sha256) as path:
            extract(path, processing._limits())

    with app.app_context():
        digests = list(db.session.execute(text("SELECT sha256 FROM documents ORDER BY id LIMIT :n"), {"n": count}).scalars())
        db.session.remove()
        read(digests[0])  # warm-up, as a worker's first job is left out of its rate
        started = time.perf_counter()
        for sha256 in digests:
            read(sha256)
        return (time.perf_counter() - started) * 1000 / len(digests)


def _per_document(one_worker: dict, read_ms: float) -> dict:
    """Split one worker's time per document into reading the workbook and everything else."""
    total_ms = 1000 / one_worker["docs_per_second"]
    return {"ms": round(total_ms, 1), "read_ms": round(read_ms, 1), "overhead_ms": round(total_ms - read_ms, 1)}


# --- hot category -------------------------------------------------------------------------------------


def _hammer(app, increments: int, write) -> tuple[float, int]:
    """Run WRITERS threads, each calling write(connection) `increments` times; return (seconds, writes)."""
    from webapp.extensions import db

    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(WRITERS + 1)

    def writer():
        with engine.connect() as connection:
            barrier.wait()
            for _ in range(increments):
                write(connection)

    return _timed_together(writer, barrier), WRITERS * increments


def _timed_together(writer, barrier: threading.Barrier) -> float:
    """Run WRITERS threads of `writer`, released at once by the barrier; return the seconds until all finish."""
    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.monotonic()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def _hot_category(app, increments: int) -> dict:
    from sqlalchemy import text

    from webapp.extensions import db
    from webapp.services.pipeline import ledger

    amount = Decimal("0.01")
    with app.app_context():
        db.session.execute(text("TRUNCATE documents, categories RESTART IDENTITY CASCADE"))
        category_id = db.session.execute(text(
            "INSERT INTO categories (name, name_key, region, region_key, type, type_key) "
            "VALUES ('hot', 'hot', 'Bench', 'bench', 'bench', 'bench') RETURNING id"
        )).scalar()
        db.session.commit()

    def read_total():
        with app.app_context():
            total = db.session.execute(text("SELECT total FROM categories WHERE id = :id"), {"id": category_id}).scalar()
            db.session.execute(text("UPDATE categories SET total = 0, documents = 0 WHERE id = :id"), {"id": category_id})
            db.session.commit()
            return total

    def atomic(connection):
        with connection.begin():  # the product's statement: the increment and its ledger row, in one
            connection.execute(ledger._CHANGE, {"amount": amount, "files": 0, "category_id": category_id,
                                                "kind": "counted", "document_id": None, "filename": None,
                                                "user_id": None})

    def read_modify_write(connection):
        with connection.begin():
            total = connection.execute(text("SELECT total FROM categories WHERE id = :id"), {"id": category_id}).scalar()
            connection.execute(text("UPDATE categories SET total = :total WHERE id = :id"),
                               {"total": total + amount, "id": category_id})

    # Commits on one hot row are bound by fsync, which other load on a shared machine disturbs: the two
    # sides alternate over ROUNDS rounds and each keeps its best rate; lost updates are summed.
    results = {name: {"increments_per_second": 0, "writes": 0, "lost_updates": 0} for name in ("read_modify_write", "atomic")}
    for round_number in range(1, ROUNDS + 1):
        for name, write in (("read_modify_write", read_modify_write), ("atomic", atomic)):
            progress(f"hot category round {round_number}/{ROUNDS}: {name}, {WRITERS} writers × {increments}")
            seconds, writes = _hammer(app, increments, write)
            total = read_total()
            result = results[name]
            result["increments_per_second"] = max(result["increments_per_second"], round(writes / seconds))
            result["writes"] += writes
            result["lost_updates"] += int((amount * writes - total) / amount)
    progress(f"hot category: whole count transactions, {WRITERS} writers × {increments}")
    results["count_transaction"] = _count_transactions(app, category_id, increments)
    return results


def _count_transactions(app, category_id: int, increments: int) -> dict:
    """The product's exactly-once count (document done + counted_at + increment) on one hot category."""
    from sqlalchemy import text

    from webapp.extensions import db
    from webapp.services.pipeline import processing
    from webapp.workbook.extract import extract

    writes = WRITERS * increments
    path = Path(tempfile.mkdtemp(prefix="wb-bench-book-")) / "book.xlsx"
    path.write_bytes(_workbook(1))
    extraction = extract(path)
    shutil.rmtree(path.parent)
    with app.app_context():
        db.session.execute(text(
            "INSERT INTO documents (category_id, filename, sha256, size, status) "
            "SELECT :id, 'w' || n || '.xlsx', md5(n::text) || md5(n::text), 1, 'processing' FROM generate_series(1, :n) n"
        ), {"id": category_id, "n": writes})
        db.session.commit()
    pending = list(range(1, writes + 1))
    lock = threading.Lock()
    barrier = threading.Barrier(WRITERS + 1)

    def writer():
        with app.app_context():
            barrier.wait()
            while True:
                with lock:
                    if not pending:
                        break
                    document_id = pending.pop()
                processing.count(document_id, extraction)
            db.session.remove()

    seconds = _timed_together(writer, barrier)
    with app.app_context():
        total, documents = db.session.execute(
            text("SELECT total, documents FROM categories WHERE id = :id"), {"id": category_id}
        ).one()
        db.session.remove()
    return {"counts_per_second": round(writes / seconds), "writes": writes, "total": str(total), "documents": documents,
            "exact": total == extraction.total * writes and documents == writes}


# --- report -------------------------------------------------------------------------------------------


def _table(throughput: list[dict], per_document: dict | None, hot: dict | None) -> str:
    one = throughput[0]["docs_per_second"]
    lines = ["workers  docs/s   vs 1 worker  exact"]
    lines += [f"{r['workers']:>7}  {r['docs_per_second']:>6}  {r['docs_per_second'] / one:>10.2f}×  {r['exact']}"
              for r in throughput]
    if per_document:
        lines += ["", f"per document, 1 worker: {per_document['ms']} ms = reading the workbook {per_document['read_ms']} ms"
                      f" + the rest (reader process, connections, claim, commit, index) {per_document['overhead_ms']} ms"]
    if hot is None:
        return "\n".join(lines)
    rmw, atomic = hot["read_modify_write"], hot["atomic"]
    lines += [
        "",
        f"hot category, {WRITERS} writers      increments/s  lost updates   (best rate of {ROUNDS} rounds)",
        f"read-modify-write (baseline)  {rmw['increments_per_second']:>12}  {rmw['lost_updates']:>5} of {rmw['writes']}",
        f"total = total + x (product)   {atomic['increments_per_second']:>12}  {atomic['lost_updates']:>5} of {atomic['writes']}",
        f"whole count transaction       {hot['count_transaction']['counts_per_second']:>12}  "
        f"exact: {hot['count_transaction']['exact']}",
    ]
    return "\n".join(lines)


def main() -> None:
    """Run both measurements and print the table, then one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=300, help="workbooks per worker count (default 300)")
    parser.add_argument("--increments", type=int, default=500, help="increments per writer and round (default 500)")
    parser.add_argument("--workers", default=",".join(map(str, WORKER_COUNTS)),
                        help="worker counts to run, comma-separated (default 1,2,4); the hot category runs only with all")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="wb-bench-totals-"))
    servers = _start_services(folder)
    try:
        from flask_migrate import upgrade
        from sqlalchemy import text

        from webapp import create_app
        from webapp.extensions import db

        app = create_app(_config())
        with app.app_context():
            upgrade()
            db.session.execute(text("TRUNCATE documents, categories RESTART IDENTITY CASCADE"))
            db.session.commit()
        progress(f"uploading {args.docs} small workbooks")
        _upload(app, args.docs)
        throughput = []
        for workers in counts:
            progress(f"processing {args.docs} documents with {workers} worker(s)")
            throughput.append(_run_workers(app, workers, args.docs, folder))
            progress(f"  {throughput[-1]['docs_per_second']} docs/s, exact={throughput[-1]['exact']}")
        per_document = None
        if 1 in counts:
            per_document = _per_document(throughput[counts.index(1)], _read_ms(app, args.docs))
        hot = _hot_category(app, args.increments) if tuple(counts) == WORKER_COUNTS else None
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(_table(throughput, per_document, hot))
    summary = {"throughput": throughput, "per_document_1_worker": per_document}
    if hot is not None:
        summary |= {
            "speedup_4_workers": round(throughput[-1]["docs_per_second"] / throughput[0]["docs_per_second"], 2),
            "hot_category": {**hot, "writers": WRITERS, "rounds": ROUNDS},
            "atomic_vs_read_modify_write": round(
                hot["atomic"]["increments_per_second"] / hot["read_modify_write"]["increments_per_second"], 2
            ),
        }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
