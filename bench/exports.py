"""Peak memory and time of the exports: a dashboard of 1,000 categories and a search of 10,000 hits, as .xlsx and
.csv, streamed (the product) against the same exports built whole in memory (the baseline), in the same run.

    .venv/bin/python bench/exports.py [--docs 10000] [--categories 1000] [--backend elasticsearch|postgres]
                                      [--changes 100000]

With --changes N, a category `history` gets N ledger rows and its history export is measured too.

Loads --categories categories and --docs counted documents (each holding the word `widget` in three cells, so a
search for it lists three locations per file), then for each export and each side starts a fresh gunicorn (one
process, one thread, so the request runs in the process measured), warms it up with one small export, reads its
resident memory, downloads the export once and reads the process's peak (VmHWM). The search cap decides how many
hits a search export holds: PostgreSQL ranks at most 1,000 files, Elasticsearch 10,000, so 10,000 hits need
`--backend elasticsearch` (ELASTICSEARCH_URL, else the noida-db emulator from requirements-dev.txt, whose
speed is not Elasticsearch's; memory is what this measures). The last line printed is one JSON object.
"""

import argparse
import hashlib
import json
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _load  # noqa: E402
from bench._corpus import Row  # noqa: E402
from bench._servers import Stack  # noqa: E402
from bench.upload_memory import _memory_kb  # noqa: E402

WORD = "widget"
SIDES = {"streamed": "wsgi:app", "whole_in_memory": "bench._whole_export_app:app"}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="documents, each a search hit (default 10000)")
    parser.add_argument("--categories", type=int, default=1_000, help="categories on the dashboard (default 1000)")
    parser.add_argument("--backend", choices=("postgres", "elasticsearch"), default="elasticsearch")
    parser.add_argument("--changes", type=int, default=0, help="ledger rows of category `history` (default 0: none)")
    parser.add_argument("--only", default="", help="comma-separated exports to measure (e.g. search_xlsx)")
    return parser.parse_args()


def _row(index: int, categories: int) -> Row:
    """A counted document whose text holds the word in three cells of sheet `Stock` (A2, C3 and B4)."""
    amount = Decimal(index) / 100 + Decimal("0.1")
    lines = ["Stock", "item\tcount\tnote", f"{WORD} {index}\t{amount}\tx", f"a\tb\t{WORD} =SUM(1)", f"c\t{WORD} red\td"]
    breakdown = {"sheets": [{"name": "Stock", "first_line": 1, "origin": [0, 0], "numeric_sum": str(amount)}]}
    sha = hashlib.sha256(f"export-bench-{index}".encode()).hexdigest()
    return Row(index % categories, f"file-{index}.xlsx", sha, 20_000, amount, "\n".join(lines), f"{amount} {index}",
               json.dumps(breakdown))


def load(stack: Stack, args) -> dict[str, str]:
    """Create the categories and documents, index them, and return the bench's auth header."""
    from webapp.services.answers import categories

    with _app(stack).app_context():
        _load.prepare_database()
        ids = [categories.create_category(f"cat-{i:04d}", f"Region {i % 20}", f"type-{i % 50}").id
               for i in range(args.categories)]
        for start in range(0, args.docs, _load.BATCH):
            _load._copy_batch(ids, [_row(i, args.categories) for i in range(start, min(start + _load.BATCH, args.docs))])
        if args.changes:
            _history(categories.create_category("history", "Region 0", "type-0").id, args.changes)
        print(f"loaded {args.categories} categories, {args.docs} documents; indexing…", file=sys.stderr, flush=True)
        _load.index_documents()
        return _load.bench_token()


def _history(category_id: int, changes: int) -> None:
    """Give the category `changes` ledger rows a second apart (its own total stays: the export reads the ledger)."""
    from sqlalchemy import text

    from webapp.extensions import db

    db.session.execute(text("""
        INSERT INTO total_changes (category_id, document_id, filename, kind, amount, total_after, documents_after, at)
        SELECT :id, NULL, 'file-' || n || '.xlsx', 'counted', n / 100.0 + 0.1, n * (n + 1) / 200.0 + n * 0.1, n,
               now() - make_interval(secs => :changes - n)
          FROM generate_series(1, CAST(:changes AS bigint)) n
    """), {"id": category_id, "changes": changes})
    db.session.commit()


def _app(stack: Stack):
    from webapp import create_app
    from webapp.config import Config

    config = Config()
    config.SQLALCHEMY_DATABASE_URI = stack.env["DATABASE_URL"]
    config.REDIS_URL = stack.env["REDIS_URL"]
    config.ELASTICSEARCH_URL = stack.env.get("ELASTICSEARCH_URL", "")
    config.UPLOAD_FOLDER = stack.env["UPLOAD_FOLDER"]
    config.SECRET_KEY = stack.env["SECRET_KEY"]
    return create_app(config)


def _download(url: str, auth: dict[str, str]) -> tuple[int, float]:
    started = time.monotonic()
    with urllib.request.urlopen(urllib.request.Request(url, headers=auth), timeout=600) as response:
        size = 0
        while chunk := response.read(1 << 16):
            size += len(chunk)
    return size, time.monotonic() - started


def measure(stack: Stack, app: str, path: str, auth: dict[str, str]) -> dict:
    """Serve the app afresh, warm it up, download one export and return its size, time and peak memory growth."""
    # Two threads: gunicorn's threaded worker, as in production (a lone thread gets the sync worker, which kills
    # a request after 30 s); only one request runs at a time, so the process measured is the export's.
    base, master = stack.serve(app=app, workers=1, threads=2)
    try:
        _download(f"{base}/api/categories/cat-0000/files.xlsx", auth)
        _download(f"{base}/api/categories/cat-0000/files.csv", auth)
        worker = _worker_pid(master.pid)
        before = _memory_kb(worker, "VmRSS")
        size, seconds = _download(base + path, auth)
        peak = _memory_kb(worker, "VmHWM")
    except OSError:
        logs = sorted(stack.folder.glob("*.log"), key=lambda p: p.stat().st_mtime)
        print(logs[-1].read_text()[-4000:] if logs else "(no server log)", file=sys.stderr)
        raise
    finally:
        stack.stop(master)
    return {"bytes": size, "seconds": round(seconds, 2), "peak_growth_mb": round(max(0, peak - before) / 1024, 1)}


def _worker_pid(master: int) -> int:
    import psutil

    children = psutil.Process(master).children()
    if len(children) != 1:
        raise SystemExit(f"expected one gunicorn worker, found {len(children)}")
    return children[0].pid


def main() -> None:
    """Load, measure each export on both sides, and print a table and one JSON line."""
    args = _arguments()
    stack = Stack(args.backend)
    try:
        stack.start_databases()
        auth = load(stack, args)
        exports = {f"totals_{fmt}": f"/api/export/totals.{fmt}" for fmt in ("xlsx", "csv")}
        exports |= {f"search_{fmt}": f"/api/search/export.{fmt}?q={WORD}" for fmt in ("xlsx", "csv")}
        if args.changes:
            exports |= {f"history_{fmt}": f"/api/categories/history/history.{fmt}" for fmt in ("xlsx", "csv")}
        if args.only:
            exports = {name: path for name, path in exports.items() if name in args.only.split(",")}
        results = {}
        for name, path in exports.items():
            for side, app in SIDES.items():
                results[f"{name}_{side}"] = figures = measure(stack, app, path, auth)
                print(f"  {name} {side}: {figures}", file=sys.stderr, flush=True)
    finally:
        stack.close()
    summary = {"search": stack.search_server, "categories": args.categories, "documents": args.docs,
               "changes": args.changes,
               "hits": min(args.docs, 1_000 if args.backend == "postgres" else 10_000), "results": results}
    print(f"{'export':<16}{'side':<18}{'MB sent':>9}{'seconds':>9}{'peak +MB':>10}")
    for key, figures in results.items():
        name, side = key.split("_", 2)[:2], key.split("_", 2)[2]
        print(f"{'_'.join(name):<16}{side:<18}{figures['bytes'] / 2**20:>9.1f}{figures['seconds']:>9.2f}"
              f"{figures['peak_growth_mb']:>10.1f}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
