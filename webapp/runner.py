"""`make run`: embedded servers when no URLs are given, migrations, workers and gunicorn, in the foreground."""

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from webapp.config import Config
from webapp.embedded import EmbeddedPostgres, EmbeddedRedis, instance_dir

ROOT = Path(__file__).resolve().parent.parent
RESTART_PAUSE_SECONDS = 5


def _secret_key(folder: Path) -> str:
    path = folder / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _environment(folder: Path, servers: list) -> dict[str, str]:
    env = dict(os.environ)  # the children read the same settings (Config), plus the servers started here
    if not env.get("DATABASE_URL"):
        postgres = EmbeddedPostgres(folder / "postgres")
        env["DATABASE_URL"] = postgres.start("workbooks")
        servers.append(postgres)
        print(f"runner: embedded PostgreSQL with data in {folder / 'postgres'}: DATABASE_URL={env['DATABASE_URL']}", flush=True)
    if not env.get("REDIS_URL"):
        redis = EmbeddedRedis(folder / "redis")
        env["REDIS_URL"] = redis.start()
        servers.append(redis)
        print(f"runner: embedded Redis with data in {folder / 'redis'}: REDIS_URL={env['REDIS_URL']}", flush=True)
    env.setdefault("SECRET_KEY", _secret_key(folder))
    env.setdefault("UPLOAD_FOLDER", str(folder / "uploads"))
    env["FLASK_APP"] = "wsgi"
    return env


def _start(env: dict[str, str]) -> list[subprocess.Popen]:
    python = sys.executable
    subprocess.run([python, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True)
    _first_admin(env)
    workers, port, host = Config.WORKERS, Config.PORT, Config.HOST
    children = [_worker(env) for _ in range(workers)]
    children.append(subprocess.Popen(
        [python, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(Config.WEB_CONCURRENCY),
         "--threads", "4", "--access-logfile", "-", "wsgi:app"],
        cwd=ROOT, env=env, start_new_session=True,
    ))
    print(f"runner: {workers} worker(s); open http://{host}:{port}/ (Ctrl-C stops everything)", flush=True)
    return children


def _first_admin(env: dict[str, str]) -> None:
    """Create the first admin on the first start (ADMIN_USER + ADMIN_PASSWORD, or a printed random password)."""
    subprocess.run([sys.executable, "-m", "flask", "users", "create-first-admin"], cwd=ROOT, env=env, check=True)
    waiting = Config.INSTANCE_DIR / "initial-admin-password"
    if waiting.exists():
        print(f"runner: the first admin's password is in {waiting} until its first sign-in changes it", flush=True)


def _worker(env: dict[str, str]) -> subprocess.Popen:
    # Each child leads its own process group, so stopping it also stops what it forked (RQ's scheduler).
    child = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, start_new_session=True)
    child.started_at = time.monotonic()
    return child


def _replace_dead_workers(children: list[subprocess.Popen], env: dict[str, str]) -> None:
    """Start a new worker in place of one that exited (at most one restart per slot every 5 seconds)."""
    for slot, child in enumerate(children[:-1]):
        if child.poll() is not None and time.monotonic() - child.started_at >= RESTART_PAUSE_SECONDS:
            print(f"runner: worker {child.pid} exited with code {child.returncode}; starting another", flush=True)
            children[slot] = _worker(env)


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
        env = _environment(folder, servers)
        children = _start(env)
        # A worker that dies is replaced (its documents are resumed by the sweeper); if the web server dies,
        # everything stops.
        while not stopping and children[-1].poll() is None:
            _replace_dead_workers(children, env)
            time.sleep(0.5)
        return 0 if stopping else 1
    finally:
        print("runner: stopping", flush=True)
        _stop(children, servers)


if __name__ == "__main__":
    sys.exit(main())
