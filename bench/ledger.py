"""The ledger's cost: a total as of an instant against the plain total, and worker throughput with and without it.

    .venv/bin/python bench/ledger.py                        # 100,000 changes, 300 workbooks, 500 requests
    .venv/bin/python bench/ledger.py --changes 100000 --docs 300 --requests 500

1. As of: one category with `--changes` ledger rows (bulk SQL, spread over 100 days). `GET /api/categories/<name>`
   against `GET /api/categories/<name>?as_of=<a random instant of its history>`, and sum_type likewise, each
   request through the whole app (token, access rule, scope) in this process, interleaved; p50 and p95.
2. Count transactions: the product's whole count (document done + counted_at + increment [+ ledger row]) on one
   hot category by 1 and by 8 threads, with the ledger and without it, alternating, best of `--rounds`.
3. Throughput: the same small workbooks processed by one `python worker.py`, alternately with the ledger (the
   product) and without it (bench/_no_ledger_worker.py: the plain increment the product ran before the ledger),
   `--rounds` times each (the medians compared); documents per second from the documents' own commit times
   (bench/totals.py's method).

Starts its own embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set (the database is then
emptied: point it at a scratch one). Progress goes to stderr; the table and, last, one JSON object to stdout.
"""

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _no_ledger_worker  # noqa: E402
from bench import totals as bench_totals  # noqa: E402

progress = bench_totals.progress


def _percentiles(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    return {"p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2), "requests": len(ordered)}


def _long_history(app, changes: int) -> None:
    """One category whose total moved `changes` times over 100 days, written in bulk like the ledger would."""
    from sqlalchemy import text

    from webapp.extensions import db
    from webapp.services.answers import categories

    with app.app_context():
        category = categories.create_category("history", "Bench", "history")
        db.session.execute(text("""
            INSERT INTO total_changes (category_id, kind, amount, total_after, documents_after, at)
            SELECT :id, 'counted', 1.5, n * 1.5, n, now() - make_interval(secs => (:changes - n) * 86.4)
              FROM generate_series(1, :changes) n
        """), {"id": category.id, "changes": changes})
        db.session.execute(text("UPDATE categories SET total = :changes * 1.5, documents = :changes, "
                                "created_at = now() - interval '101 days' WHERE id = :id"),
                           {"id": category.id, "changes": changes})
        db.session.execute(text("ANALYZE total_changes"))
        db.session.commit()


def _as_of(app, requests: int) -> dict:
    """Time plain and as-of answers, interleaved, through the app with an admin's token."""
    from datetime import UTC, datetime, timedelta

    from webapp.accounts import tokens, users

    with app.app_context():
        admin = users.create_user("bench-admin", "bench passphrase 1", "admin", [], by="bench")
        secret = tokens.create_token(admin, "bench")[1]
    client, headers = app.test_client(), {"Authorization": f"Bearer {secret}"}
    now = datetime.now(UTC)
    paths = {"category": "/api/categories/history", "sum_type": "/api/types/history/sum"}
    timings: dict[str, list[float]] = {f"{name}_{way}": [] for name in paths for way in ("plain", "as_of")}
    for _ in range(requests):
        at = (now - timedelta(days=random.uniform(0, 100))).isoformat()
        for name, path in paths.items():
            for way, query in (("plain", {}), ("as_of", {"as_of": at})):
                started = time.perf_counter()
                response = client.get(path, query_string=query, headers=headers)
                timings[f"{name}_{way}"].append(time.perf_counter() - started)
                assert response.status_code == 200, response.json
    return {name: _percentiles(seconds) for name, seconds in timings.items()}


def _reset(app) -> None:
    from sqlalchemy import text

    from webapp.extensions import db

    with app.app_context():
        # The count transactions' documents have no stored file: only the uploaded workbooks are processed.
        db.session.execute(text("DELETE FROM documents WHERE category_id <> (SELECT id FROM categories WHERE name = 'bench')"))
        db.session.execute(text("DELETE FROM total_changes WHERE category_id = (SELECT id FROM categories "
                                "WHERE name = 'bench')"))
        db.session.commit()
    bench_totals._reset(app)


def _throughput(app, script: str, count: int, logs: Path) -> dict:
    """Process every document with one worker started from `script`; return documents per second."""
    from sqlalchemy import text

    from webapp.extensions import db

    _reset(app)
    log = open(logs / f"worker-{Path(script).stem}-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115 - closed below
    child = subprocess.Popen([sys.executable, script], cwd=ROOT, env=dict(os.environ), stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
    started = time.monotonic()
    try:
        with app.app_context():
            while db.session.execute(text("SELECT count(*) FROM documents WHERE status NOT IN ('done', 'failed')")).scalar():
                db.session.rollback()
                if time.monotonic() - started > 600:
                    raise SystemExit(f"{script} did not finish in 10 minutes")
                time.sleep(0.2)
            times = list(db.session.execute(text("SELECT counted_at FROM documents ORDER BY counted_at")).scalars())
            rows = db.session.execute(text("SELECT count(*) FROM total_changes WHERE kind = 'counted'")).scalar()
            db.session.remove()
    finally:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait(timeout=60)
        log.close()
    low, high = int(count * 0.1), int(count * 0.9) - 1
    return {"docs_per_second": round((high - low) / (times[high] - times[low]).total_seconds(), 1), "ledger_rows": rows}


def _count_transactions(app, writers: int, per_writer: int, with_ledger: bool) -> int:
    """The product's whole count transaction on one hot category, by `writers` threads; return counts per second."""
    from sqlalchemy import text

    from webapp.extensions import db

    with app.app_context():
        category_id = db.session.execute(text("SELECT id FROM categories WHERE name = 'hot'")).scalar()
        if category_id is None:
            category_id = db.session.execute(text(
                "INSERT INTO categories (name, name_key, region, region_key, type, type_key) "
                "VALUES ('hot', 'hot', 'Bench', 'bench', 'bench', 'bench') RETURNING id")).scalar()
        for statement in ("DELETE FROM documents WHERE category_id = :id", "DELETE FROM total_changes WHERE category_id = :id",
                          "UPDATE categories SET total = 0, documents = 0 WHERE id = :id"):
            db.session.execute(text(statement), {"id": category_id})
        # bench/totals.py's count numbers its documents from 1: no other document exists yet at this point.
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('documents', 'id'), 1, false)"))
        db.session.commit()
    product = None if with_ledger else _no_ledger_worker.take_out_ledger()
    bench_totals.WRITERS = writers
    try:
        result = bench_totals._count_transactions(app, category_id, per_writer)
    finally:
        if product is not None:
            _no_ledger_worker.put_back_ledger(product)
    assert result["exact"], result
    return result["counts_per_second"]


def _counts(app, per_writer: int, rounds: int) -> dict:
    """Best counts per second of 1 and 8 writers, with and without the ledger, alternating over the rounds."""
    best: dict[str, int] = {}
    for round_ in range(rounds):
        for writers in (1, 8):
            for with_ledger in (True, False):
                name = f"{writers}_writer{'s' if writers > 1 else ''}_{'with' if with_ledger else 'without'}_ledger"
                rate = _count_transactions(app, writers, per_writer, with_ledger)
                best[name] = max(best.get(name, 0), rate)
                progress(f"count transactions round {round_ + 1}: {name} {rate}/s")
    return best


def _table(as_of: dict, runs: dict) -> str:
    lines = ["request                          p50 ms    p95 ms"]
    lines += [f"{name:<30} {v['p50_ms']:>8} {v['p95_ms']:>9}" for name, v in as_of.items()]
    lines.append("")
    lines.append("worker, 1 process          docs/s per round          median")
    for name, rounds in runs.items():
        rates = [r["docs_per_second"] for r in rounds]
        lines.append(f"{name:<26} {', '.join(map(str, rates)):<24} {statistics.median(rates):>6}")
    return "\n".join(lines)


def main() -> None:
    """Run both measurements and print the table, then one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=100_000, help="ledger rows of the long category")
    parser.add_argument("--docs", type=int, default=300, help="workbooks per throughput round (default 300)")
    parser.add_argument("--requests", type=int, default=500, help="requests per path and way (default 500)")
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds with and without (default 3)")
    parser.add_argument("--counts", type=int, default=300, help="count transactions per writer (default 300)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="wb-bench-ledger-"))
    servers = bench_totals._start_services(folder)
    try:
        from flask_migrate import upgrade
        from sqlalchemy import text

        from webapp import create_app
        from webapp.extensions import db

        app = create_app(bench_totals._config())
        with app.app_context():
            upgrade()
            db.session.execute(text("TRUNCATE total_changes, audit_events, documents, categories, api_tokens, users "
                                    "RESTART IDENTITY CASCADE"))
            db.session.commit()
        progress(f"writing a history of {args.changes:,} changes")
        _long_history(app, args.changes)
        progress(f"timing {args.requests} plain and as-of requests per path")
        as_of = _as_of(app, args.requests)
        counts = _counts(app, args.counts, args.rounds)
        progress(f"uploading {args.docs} small workbooks")
        bench_totals._upload(app, args.docs)
        scripts = {"with ledger (product)": "worker.py", "without ledger (baseline)": "bench/_no_ledger_worker.py"}
        runs: dict[str, list[dict]] = {name: [] for name in scripts}
        for round_ in range(args.rounds):
            for name, script in scripts.items():
                runs[name].append(_throughput(app, script, args.docs, folder))
                progress(f"round {round_ + 1} {name}: {runs[name][-1]['docs_per_second']} docs/s")
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(_table(as_of, runs))
    print("\ncount transactions/s (best)     " + "  ".join(f"{k}={v}" for k, v in counts.items()))
    # A shared machine's other load swings single rounds both ways: the median of the alternating rounds is compared.
    median = {name: statistics.median(r["docs_per_second"] for r in rounds) for name, rounds in runs.items()}
    print(json.dumps({
        "as_of": as_of, "changes": args.changes,
        "as_of_p95_vs_plain": round(as_of["category_as_of"]["p95_ms"] / as_of["category_plain"]["p95_ms"], 2),
        "throughput": runs, "median_docs_per_second": median, "count_transactions_per_second": counts,
        "count_with_vs_without_ledger": {
            writers: round(counts[f"{writers}_with_ledger"] / counts[f"{writers}_without_ledger"], 3)
            for writers in ("1_writer", "8_writers")},
        "with_vs_without_ledger": round(median["with ledger (product)"] / median["without ledger (baseline)"], 3),
    }))


if __name__ == "__main__":
    main()
