"""Load the product to scale and measure it as users feel it; the last line printed is one JSON object.

    .venv/bin/python bench/scale.py --docs 100000 --clients 20 --backend postgres

Starts its own embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set (the database
must then be empty), serves the app with gunicorn, loads documents in two steps (10,000, then --docs)
and measures every query path after each step, then uploads and worker throughput at full size.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _load  # noqa: E402
from bench._clients import Measurement, Request, measure, multipart  # noqa: E402
from bench._corpus import Corpus, WorkbookFactory  # noqa: E402
from bench._report import print_report  # noqa: E402
from bench._servers import Stack  # noqa: E402

FIRST_STEP = 10_000


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000, help="documents to load (default 100000)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--backend", choices=("postgres", "elasticsearch"), default="postgres")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per path (default 200)")
    parser.add_argument("--worker-docs", type=int, default=100, help="documents per worker-throughput run")
    args = parser.parse_args()
    if args.docs < 1 or args.clients < 1 or args.requests < 1 or args.worker_docs < 1:
        parser.error("--docs, --clients, --requests and --worker-docs must be positive.")
    return args


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


def _query_paths(corpus: Corpus) -> dict[str, str]:
    region = quote(corpus.regions[0])
    paths = {}
    for kind, words in (("common", corpus.common_word), ("rare", corpus.rare_word), ("phrase", corpus.phrase)):
        paths[f"search_api_{kind}"] = f"/api/search?q={quote(words)}"
        paths[f"search_page_{kind}"] = f"/search?q={quote(words)}"
    paths["search_api_filtered"] = f"/api/search?q={quote(corpus.common_word)}&region={region}"
    paths["search_page_filtered"] = f"/search?q={quote(corpus.common_word)}&region={region}"
    paths["regions_api_common"] = f"/api/regions?term={quote(corpus.common_word)}"
    paths["regions_api_rare"] = f"/api/regions?term={quote(corpus.rare_word)}"
    paths["sum_type"] = f"/api/types/{quote(corpus.types[0])}/sum"
    paths["dashboard"] = "/"
    # What the dashboard answers (every category's total) and a category page's files, as JSON.
    paths["dashboard_api"] = "/api/categories"
    category = quote(corpus.categories[0].name)
    paths["category_page"] = f"/categories/{category}"
    paths["category_api"] = f"/api/categories/{category}/documents"
    return paths


# The cheapest dynamic request (database, queue and search each pinged once): the floor under every path.
FLOOR = ("floor_healthz", "/healthz")
UNCACHED = "_uncached"
# Paths also measured on a server without the accounts' per-request work (bench/_open_app.py): the difference
# is what identifying the caller by token, checking the route's rule and the security headers add.
NO_AUTH = "_no_auth"
AUTH_PATHS = ("sum_type", "dashboard", "search_api_rare")


def _get(path: str, auth: dict[str, str]):
    return lambda _number: Request("GET", path, headers=auth)


def _summary(result: Measurement) -> dict:
    return {"p50_ms": round(result.p50, 2), "p95_ms": round(result.p95, 2),
            "requests_per_s": round(result.throughput, 1), "requests": len(result.latencies_ms),
            "errors": result.errors}


def measure_queries(servers: dict[str, str], corpus: Corpus, args, auth: dict[str, str]) -> dict[str, dict]:
    """Measure every query path with the configured clients and with one client, and the sum_type baseline.

    Each path is measured as served (answers reused while the database is unchanged) and on a server that
    computes every answer afresh (`_uncached`): what a request costs when data changes between requests,
    or when every visitor asks something new.
    """
    figures = {"load_average": _load_average()}
    one = max(10, args.requests // 4)
    paths = _query_paths(corpus)
    runs = [(name, servers["app"], path) for name, path in paths.items()]
    runs += [(name + UNCACHED, servers["uncached"], path) for name, path in paths.items()]
    runs += [(name + NO_AUTH, servers["open"], paths[name]) for name in AUTH_PATHS]
    runs += [(FLOOR[0], servers["app"], FLOOR[1]), ("baseline_sum_type", servers["baseline"], paths["sum_type"])]
    for name, base, path in runs:
        figures[name] = _summary(measure(base, _get(path, auth), args.clients, args.requests, warmup=args.clients))
        figures[f"{name}_1_client"] = _summary(measure(base, _get(path, auth), 1, one, warmup=2))
        print(f"  {name}: p95 {figures[name]['p95_ms']} ms, one client {figures[f'{name}_1_client']['p95_ms']} ms",
              file=sys.stderr, flush=True)
    return figures


def _load_average() -> list[float]:
    """Return the 1, 5 and 15 minute load averages: other work on the machine shows up in every latency."""
    return [round(value, 2) for value in os.getloadavg()]


def _upload_requests(corpus: Corpus, workbooks: WorkbookFactory, label: str, count: int, auth: dict[str, str]):
    """Build `count` distinct uploads before measuring: zipping a workbook in the client mid-run would
    take the server's CPU (2 cores here) and show up as upload latency."""
    requests = []
    for number in range(count):
        category = corpus.categories[number % len(corpus.categories)].name
        request = multipart("file", f"{label}-{number}.xlsx", workbooks.variant(f"{label}-{number}"))
        request.path = f"/api/categories/{category}/files"
        request.headers.update(auth)
        requests.append(request)
    return requests.__getitem__


def measure_uploads(base: str, baseline: str, corpus: Corpus, args, app, auth: dict[str, str]) -> dict[str, dict]:
    """Measure the upload endpoint against processing inside the request, for a 100 KB and a 1 MB workbook."""
    figures = {}
    for size_label, size in (("100kb", 100_000), ("1mb", 1_000_000)):
        workbooks = WorkbookFactory(corpus, size)
        product = measure(base, _upload_requests(corpus, workbooks, f"upload-{size_label}", args.requests + args.clients, auth),
                          args.clients, args.requests, warmup=args.clients)
        figures[f"upload_{size_label}"] = {**_summary(product), "bytes": workbooks.size, "cells": workbooks.cells}
        alone_count = max(10, args.requests // 4)
        alone = measure(base, _upload_requests(corpus, workbooks, f"alone-{size_label}", alone_count + 2, auth), 1,
                        alone_count, warmup=2)
        figures[f"upload_{size_label}_1_client"] = _summary(alone)
        count = max(20, min(args.requests, 60 if size_label == "100kb" else 20))
        inline = measure(baseline, _upload_requests(corpus, workbooks, f"inline-{size_label}", count + 2, auth),
                         args.clients, count, warmup=2)
        figures[f"baseline_upload_{size_label}"] = {**_summary(inline), "bytes": workbooks.size,
                                                    "cells": workbooks.cells}
        print(f"  upload {size_label}: p95 {product.p95:.1f} ms, inline {inline.p95:.1f} ms", file=sys.stderr)
    with app.app_context():
        _load.discard_queued()
    return figures


def measure_workers(stack: Stack, base: str, corpus: Corpus, args, app, auth: dict[str, str]) -> dict[str, dict]:
    """Upload documents while 1, then 2, workers run; return documents per second from upload to done."""
    workbooks = WorkbookFactory(corpus, 100_000)
    figures = {}
    for count in (1, 2):
        workers = stack.start_workers(count)
        with app.app_context():
            _load.wait_for_workers(count)
        label = f"workers{count}"
        requests = _upload_requests(corpus, workbooks, label, args.worker_docs, auth)
        started = time.monotonic()
        uploads = measure(base, requests, args.clients, args.worker_docs)
        with app.app_context():
            finished, failed = _load.wait_until_processed(f"{label}-%", uploads.statuses.get(202, 0), timeout=600)
        seconds = time.monotonic() - started
        for worker in workers:
            stack.stop(worker)
        figures[f"worker_{count}"] = {"documents": args.worker_docs, "processed": finished, "failed": failed,
                                      "seconds": round(seconds, 2), "upload_errors": uploads.errors,
                                      "documents_per_s": round(finished / seconds, 2)}
        print(f"  {count} worker(s): {finished / seconds:.1f} documents/s", file=sys.stderr)
    return figures


def _machine() -> dict:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpus": os.cpu_count(), "memory_gb": round(memory, 1), "python": platform.python_version(),
            "platform": platform.platform()}


def run(args) -> dict:
    """Load, serve and measure; return every figure."""
    stack = Stack(args.backend)
    try:
        stack.start_databases()
        app = _app(stack)
        corpus = Corpus()
        result = {"backend": args.backend, "search_server": stack.search_server, "docs": args.docs,
                  "clients": args.clients, "machine": _machine(), "load_seconds": {}, "steps": {}}
        with app.app_context():
            _load.prepare_database()
            auth = _load.bench_token()  # every request is signed in, as a script with a token is
            category_ids = _load.create_categories(corpus)
        servers: dict[str, str] = {}
        loaded = 0
        for step in sorted({min(FIRST_STEP, args.docs), args.docs}):
            with app.app_context():
                result["load_seconds"][str(step)] = {"copy": round(_load.load_documents(category_ids, loaded, step), 1),
                                                     "index": round(_load.index_documents(), 1)}
                result.setdefault("index_bytes", {})[str(step)] = _load.index_size()
            loaded = step
            if not servers:
                servers = {"app": stack.serve()[0], "uncached": stack.serve(SNAPSHOT_CACHE="0")[0],
                           "baseline": stack.serve("bench._baseline_app:app")[0],
                           "open": stack.serve("bench._open_app:app")[0]}
            print(f"Measuring queries at {step:,} documents", file=sys.stderr)
            result["steps"][str(step)] = measure_queries(servers, corpus, args, auth)
        print("Measuring uploads and workers", file=sys.stderr)
        result["uploads"] = measure_uploads(servers["app"], servers["baseline"], corpus, args, app, auth)
        result["workers"] = measure_workers(stack, servers["app"], corpus, args, app, auth)
        with app.app_context():
            result["totals_mismatches"] = _load.verify_totals()
        return result
    finally:
        stack.close()


def main() -> None:
    """Run the bench and print the table, then the JSON line."""
    args = _arguments()
    result = run(args)
    print_report(result)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
