"""What the operations hooks cost a request, and what one Prometheus scrape costs.

    .venv/bin/python bench/operations.py [--requests 2000] [--docs 2000]

Serves the app with gunicorn twice (one process, one thread, so requests are measured one at a time):
as it is (every request timed and counted for Prometheus, given a request id, logged on one line) and
without those hooks (bench/_quiet_app.py), the baseline, in the same run. One keep-alive client asks
`/healthz` (the cheapest path: three pings) and `/api/me` (identifies the caller) --requests times each,
asking the two servers in turn so that the machine's busy moments fall on both alike.
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


def _connect(base: str) -> http.client.HTTPConnection:
    address = urlparse(base)
    return http.client.HTTPConnection(address.hostname, address.port, timeout=30)


def _once(connection: http.client.HTTPConnection, path: str, headers: dict) -> float:
    """Ask one path once over a kept-alive connection; return the milliseconds."""
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    assert response.status == 200, (path, response.status)
    return (time.perf_counter() - started) * 1000


def _alternating(bases: dict[str, str], path: str, count: int, headers: dict) -> dict[str, list[float]]:
    """Ask each server in turn, `count` rounds, so a busy moment of the machine falls on both alike."""
    connections = {label: _connect(base) for label, base in bases.items()}
    times: dict[str, list[float]] = {label: [] for label in bases}
    for round_ in range(count):
        order = list(bases) if round_ % 2 else list(reversed(bases))
        for label in order:
            times[label].append(_once(connections[label], path, headers))
    for connection in connections.values():
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
        servers = {label: stack.serve(app, workers=1, threads=1)
                   for label, app in (("with_operations", "wsgi:app"), ("without_baseline", "bench._quiet_app:app"))}
        bases = {label: base for label, (base, _child) in servers.items()}
        results: dict = {label: {} for label in bases}
        _alternating(bases, "/healthz", 200, headers)  # warm up
        for path in ("/healthz", "/api/me"):
            for label, times in _alternating(bases, path, args.requests, headers).items():
                results[label][path] = _summary(times)
        for _base, child in servers.values():
            stack.stop(child)
        _load(stack, args.docs)
        base, child = stack.serve("wsgi:app", workers=1, threads=1)
        scrape = _connect(base)
        results["metrics_scrape"] = _summary([_once(scrape, "/metrics", headers) for _ in range(100)][5:])
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
