"""`make run`: embedded servers when no URLs are given, migrations, workers and gunicorn, in the foreground."""

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from webapp.embedded import EmbeddedPostgres, EmbeddedRedis, instance_dir

ROOT = Path(__file__).resolve().parent.parent


def _secret_key(folder: Path) -> str:
    path = folder / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _environment(folder: Path, servers: list) -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        postgres = EmbeddedPostgres(folder / "postgres")
        env["DATABASE_URL"] = postgres.start("workbooks")
        servers.append(postgres)
        print(f"runner: embedded PostgreSQL with data in {folder / 'postgres'}", flush=True)
    if not env.get("REDIS_URL"):
        redis = EmbeddedRedis(folder / "redis")
        env["REDIS_URL"] = redis.start()
        servers.append(redis)
        print(f"runner: embedded Redis with data in {folder / 'redis'}", flush=True)
    env.setdefault("SECRET_KEY", _secret_key(folder))
    env.setdefault("UPLOAD_FOLDER", str(folder / "uploads"))
    env["FLASK_APP"] = "wsgi"
    return env


def _start(env: dict[str, str]) -> list[subprocess.Popen]:
    python = sys.executable
    subprocess.run([python, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True)
    workers = int(env.get("WORKERS", "1"))
    port = env.get("PORT", "8000")
    host = env.get("HOST", "127.0.0.1")
    # Each child leads its own process group, so stopping it also stops what it forked (RQ's scheduler).
    children = [
        subprocess.Popen([python, "worker.py"], cwd=ROOT, env=env, start_new_session=True) for _ in range(workers)
    ]
    children.append(subprocess.Popen(
        [python, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", env.get("WEB_CONCURRENCY", "2"),
         "--threads", "4", "--access-logfile", "-", "wsgi:app"],
        cwd=ROOT, env=env, start_new_session=True,
    ))
    print(f"runner: open http://{host}:{port}/ (Ctrl-C stops everything)", flush=True)
    return children


def _stop(children: list[subprocess.Popen], servers: list) -> None:
    for child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
    for server in reversed(servers):
        server.stop()


def main() -> int:
    """Run everything until Ctrl-C or SIGTERM, then stop it all without losing data."""
    folder = instance_dir()
    folder.mkdir(parents=True, exist_ok=True)
    servers: list = []
    children: list[subprocess.Popen] = []
    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        children = _start(_environment(folder, servers))
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
        return 0 if stopping else 1
    finally:
        print("runner: stopping", flush=True)
        _stop(children, servers)


if __name__ == "__main__":
    sys.exit(main())
