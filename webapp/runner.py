"""`make run`: embedded servers when no URLs are given, migrations, workers and gunicorn, in the foreground."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from webapp import runtime
from webapp.config import Config
from webapp.embedded import instance_dir
from webapp.installation import secret_key, start_servers

ROOT = Path(__file__).resolve().parent.parent
RESTART_PAUSE_SECONDS = 5
# What the runtime file passes on to `flask …` commands run beside `make run`: everything that reaches a server.
SHARED_SETTINGS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "UPLOAD_FOLDER", "S3_BUCKET", "S3_ENDPOINT_URL",
                   "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "ELASTICSEARCH_URL",
                   "ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD", "ELASTICSEARCH_CA_CERTS", "ELASTICSEARCH_INDEX")


def _say(line: str) -> None:
    print(f"runner: {line}", flush=True)


def _environment(folder: Path, servers: list) -> dict[str, str]:
    env = dict(os.environ)  # the children read the same settings (Config), plus the servers started here
    env.update(start_servers(folder, env, servers, _say))
    env.setdefault("SECRET_KEY", secret_key(folder))
    env.setdefault("UPLOAD_FOLDER", str(folder / "uploads"))
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", _metrics_folder(folder))
    env["FLASK_APP"] = "wsgi"
    return env


def _metrics_folder(folder: Path) -> str:
    """Empty instance/metrics, where gunicorn's processes and the workers share metric values (/metrics adds them up)."""
    metrics = folder / "metrics"
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir(mode=0o700)
    return str(metrics)


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

    running = runtime.read(Config.RUNTIME_FILE)
    if running is not None:
        _say(f"already running for {folder} (process {running['pid']}); stop it first, or set INSTANCE_DIR")
        return 1
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        env = _environment(folder, servers)
        runtime.write(Config.RUNTIME_FILE, {name: env[name] for name in SHARED_SETTINGS if env.get(name)})
        children = _start(env)
        # A worker that dies is replaced (its documents are resumed by the sweeper); if the web server dies,
        # everything stops.
        while not stopping and children[-1].poll() is None:
            _replace_dead_workers(children, env)
            time.sleep(0.5)
        return 0 if stopping else 1
    finally:
        print("runner: stopping", flush=True)
        runtime.remove(Config.RUNTIME_FILE)
        _stop(children, servers)


if __name__ == "__main__":
    sys.exit(main())
