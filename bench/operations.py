"""What the operations hooks cost a request, and what one Prometheus scrape costs.

    .venv/bin/python bench/operations.py [--requests 2000] [--docs 2000]

Serves the app with gunicorn twice (one process, one thread, so requests are measured one at a time):
as it is (every request timed and counted for Prometheus, given a request id, logged on one line) and
without those hooks (bench/_quiet_app.py), the baseline, in the same run. One keep-alive client asks
`/healthz` (the cheapest path: three pings) and `/api/me` (identifies the caller) --requests times each.
Then it loads --docs documents by SQL and times `GET /metrics` (every gauge read from PostgreSQL and Redis).
Starts its own embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set. The last line is JSON.
"""

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._servers import Stack  # noqa: E402


def _timed(base: str, path: str, count: int, headers: dict) -> list[float]:
    """Ask one path `count` times over one connection; return each request's milliseconds."""
    address = urlparse(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)
        times.append((time.perf_counter() - started) * 1000)
    connection.close()
    return times


def _flask(stack: Stack, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env={**stack.env, "FLASK_APP": "wsgi"},
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _load(stack: Stack, docs: int) -> None:
    """Insert documents by SQL across four statuses (what the gauges count), without workers."""
    code = f"""
from sqlalchemy import text
from webapp import create_app
from webapp.extensions import db
app = create_app()
with app.app_context():
    db.session.execute(text("INSERT INTO categories (name, name_key, region, region_key, type, type_key, total, documents) "
                            "VALUES ('bench', 'bench', 'Asia', 'asia', 'phones', 'phones', 0, 0)"))
    db.session.execute(text("INSERT INTO documents (category_id, filename, sha256, size, status) "
                            "SELECT 1, 'f' || n || '.xlsx', md5(n::text) || md5(n::text), 1000, "
                            "(ARRAY['queued','processing','done','failed'])[1 + n % 4] FROM generate_series(1, {docs}) n"))
    db.session.commit()
"""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=stack.env, check=True)


def _summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(ordered), 3), "p95_ms": round(ordered[int(len(ordered) * 0.95)], 3),
            "mean_ms": round(statistics.fmean(ordered), 3)}


def main() -> None:
    """Measure both servers and print a table, then one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--docs", type=int, default=2000)
    args = parser.parse_args()
    stack = Stack("postgres")
    try:
        stack.start_databases()
        _flask(stack, "db", "upgrade")
        token = _flask(stack, "users", "create-first-admin")  # prints the password line; we need a token below
        del token
        code = ("from webapp import create_app\nfrom webapp.accounts import tokens, users\n"
                "app = create_app()\nwith app.app_context():\n"
                "    user = users.create_user('bench', 'bench-password-1', 'admin', [], by='bench')\n"
                "    print(tokens.create_token(user, 'bench')[1])")
        secret = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=stack.env, capture_output=True, text=True,
                                check=True).stdout.strip().splitlines()[-1]
        headers = {"Authorization": f"Bearer {secret}"}
        results = {}
        for label, app in (("with_operations", "wsgi:app"), ("without_baseline", "bench._quiet_app:app")):
            base, child = stack.serve(app, workers=1, threads=1)
            _timed(base, "/healthz", 200, headers)  # warm up
            results[label] = {path: _summary(_timed(base, path, args.requests, headers)) for path in ("/healthz", "/api/me")}
            stack.stop(child)
        _load(stack, args.docs)
        base, child = stack.serve("wsgi:app", workers=1, threads=1)
        _timed(base, "/metrics", 5, headers)
        results["metrics_scrape"] = _summary(_timed(base, "/metrics", 100, headers))
        stack.stop(child)
    finally:
        stack.close()
    for path in ("/healthz", "/api/me"):
        added = results["with_operations"][path]["p50_ms"] - results["without_baseline"][path]["p50_ms"]
        print(f"{path:10} p50 {results['with_operations'][path]['p50_ms']:.3f} ms with the hooks, "
              f"{results['without_baseline'][path]['p50_ms']:.3f} ms without: +{added:.3f} ms")
        results[f"added_p50_ms{path.replace('/', '_')}"] = round(added, 3)
    print(f"GET /metrics with {args.docs} documents: p50 {results['metrics_scrape']['p50_ms']:.1f} ms")
    print(json.dumps({"requests": args.requests, "docs": args.docs, **results}))


if __name__ == "__main__":
    main()
