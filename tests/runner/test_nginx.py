"""The production reverse proxy: Debian's nginx running the repository's own configuration in front of
gunicorn serving the app, as docker-compose runs the official nginx image in front of `web`.

Only the upstream address, the port, the upload limit and the static folder are filled in for the test
(as the image's envsubst step does); every directive comes from deploy/nginx/default.conf.template.
"""

import gzip
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from tests.fixtures_accounts import make_user, token_for
from tests.live_http import eventually, multipart, request
from webapp.embedded import free_port

# nginx and gunicorn started for real: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx" / "default.conf.template"
UPLOAD_MB = 1
SLOW_CLIENTS = 50
# What the official image's /etc/nginx/nginx.conf holds around the conf.d files it includes.
MAIN_CONF = """\
{user}worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log notice;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {dir}/access.log;
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/conf.d/*.conf;
}}
"""


def _nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if not found:
        pytest.fail("nginx is not installed: run `apt-get install -y nginx` (.ci/run does), then the tests again.")
    return found


def render(template: str, values: dict[str, str]) -> str:
    """Fill in ${NAME} as the official image's envsubst step does; every name must be given."""
    return re.sub(r"\$\{(\w+)\}", lambda match: values[match.group(1)], template)


def _gunicorn_command(port: int, access_log: Path) -> list[str]:
    """docker-compose's own gunicorn command for `web`, bound here with one process."""
    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["command"]
    command = [sys.executable, "-m", *command]
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "1"
    command[command.index("--access-logfile") + 1] = str(access_log)
    return command


class Stack:
    """gunicorn on one port, nginx on another in front of it."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder = folder
        self.app_port, self.port = free_port(), free_port()
        self.access_log = folder / "gunicorn-access.log"
        self.processes: list[subprocess.Popen] = []
        self.env = env

    def start(self) -> None:
        """Start both and wait until nginx answers /healthz from the app."""
        self._spawn(_gunicorn_command(self.app_port, self.access_log), "gunicorn.log", self.env)
        eventually(lambda: request(f"http://127.0.0.1:{self.app_port}/healthz")[0] == 200, 60, "gunicorn to answer")
        conf_d = self.folder / "conf.d"
        conf_d.mkdir()
        values = {"APP_UPSTREAM": f"127.0.0.1:{self.app_port}", "LISTEN_PORT": f"127.0.0.1:{self.port}",
                  "MAX_UPLOAD_MB": str(UPLOAD_MB), "STATIC_ROOT": str(ROOT / "webapp" / "static")}
        (conf_d / "default.conf").write_text(render(TEMPLATE.read_text(), values))
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the checkout and temp folders
        (self.folder / "nginx.conf").write_text(MAIN_CONF.format(user=user, dir=self.folder))
        self._spawn([_nginx(), "-p", str(self.folder), "-c", str(self.folder / "nginx.conf")], "nginx.log", None)
        eventually(lambda: request(f"http://127.0.0.1:{self.port}/healthz")[0] == 200, 30, "nginx to answer")

    def _spawn(self, command: list[str], log: str, env) -> None:
        output = open(self.folder / log, "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        process.output = output
        self.processes.append(process)

    def stop(self) -> None:
        """Stop nginx and gunicorn (and what they forked)."""
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            process.output.close()

    def logs(self) -> str:
        """Return both servers' logs, for a failure message."""
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.folder.glob("*.log"))


@pytest.fixture
def stack(tmp_path, worker_env):
    server = Stack(tmp_path, {**worker_env, "PROXY_HOPS": "1", "MAX_UPLOAD_MB": str(UPLOAD_MB)})
    try:
        server.start()
        yield server
    finally:
        server.stop()


class SlowClients:
    """Connections that send their request one byte a second: half stuck in the headers, half in a body."""

    def __init__(self, port: int, count: int = SLOW_CLIENTS):
        head = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + "x" * 200
        body = ("POST /api/categories/phones/files HTTP/1.1\r\nHost: localhost\r\n"
                "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 500000\r\n\r\n")
        self.sockets = []
        for n in range(count):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            if n % 2:
                connection.sendall(body.encode())  # headers at once, then the body a byte at a time
            self.sockets.append((connection, iter(head.encode() if n % 2 == 0 else b"-" * 500_000)))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    def _trickle(self) -> None:
        while not self._stop.wait(1):
            for connection, rest in self.sockets:
                try:
                    connection.send(bytes([next(rest)]))
                except (OSError, StopIteration):
                    pass

    def close(self) -> None:
        """Stop sending and hang up."""
        self._stop.set()
        self._thread.join()
        for connection, _ in self.sockets:
            connection.close()


def _get(port: int, path: str, headers: dict | None = None, timeout: float = 5) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def _healthz_answers(port: int) -> bool:
    try:
        return _get(port, "/healthz", timeout=3).status == 200
    except OSError:  # timed out: every thread is busy with a slow client
        return False


def test_slow_clients_do_not_take_the_site_down_behind_nginx(stack):
    # Straight to gunicorn, these 50 connections hold every thread: /healthz gets no answer.
    slow = SlowClients(stack.app_port)
    try:
        time.sleep(2)
        assert not _healthz_answers(stack.app_port), "the slow clients should have blocked gunicorn on its own"
    finally:
        slow.close()
    # Through nginx, the same connections wait on nginx while the app answers everyone else promptly.
    slow = SlowClients(stack.port)
    try:
        for _ in range(4):
            time.sleep(1.5)
            assert _healthz_answers(stack.port), stack.logs()
    finally:
        slow.close()


def test_uploads_pages_and_static_files_work_through_nginx(stack, app, make_workbook, run_jobs):
    base = f"http://127.0.0.1:{stack.port}"
    token = token_for(app, make_user(app, "editor"))
    assert request(f"{base}/api/categories", b'{"name": "phones", "region": "Asia", "type": "t"}', token=token)[0] == 201
    body, content_type = multipart([("stock.xlsx", make_workbook({"S": [[12.5, 30]]}))])
    status, accepted = request(f"{base}/api/categories/phones/files", body, content_type, token=token)
    assert status == 202 and accepted["queue"] == "ok"
    run_jobs()
    assert request(f"{base}/api/categories/phones", token=token)[1]["total"] == "42.5"

    page = _get(stack.port, "/categories/phones", {"Accept-Encoding": "gzip", "Authorization": f"Bearer {token}"})
    assert page.status == 200 and page.getheader("Content-Encoding") == "gzip"
    assert "stock.xlsx" in gzip.decompress(page.body).decode()

    stylesheet = _get(stack.port, "/static/css/app.css")
    assert stylesheet.status == 200 and stylesheet.body == (ROOT / "webapp/static/css/app.css").read_bytes()
    assert "max-age=604800" in stylesheet.getheader("Cache-Control")
    assert "/static/" not in stack.access_log.read_text(), "nginx should serve static files itself"


def test_an_upload_past_the_limit_stops_at_nginx_with_the_apps_message(stack):
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
    too_large = b"x" * (UPLOAD_MB * 1024 * 1024 + 1)
    connection.request("POST", "/api/categories/phones/files", body=too_large,
                       headers={"Content-Type": "multipart/form-data; boundary=b"})
    response = connection.getresponse()
    assert response.status == 413
    assert response.read() == b'{"error": "This upload is larger than the 1 MB limit."}\n'
    assert "/api/categories/phones/files" not in stack.access_log.read_text()


def test_nginx_drops_forwarded_headers_a_client_makes_up(stack):
    claimed = {"X-Forwarded-Prefix": "/elsewhere", "X-Forwarded-Host": "evil.example"}
    # gunicorn trusts one proxy (PROXY_HOPS=1): a client reaching it directly moves every link.
    assert 'href="/elsewhere/static/' in _get(stack.app_port, "/login", claimed).body.decode()
    # Through nginx the claim never arrives.
    through = _get(stack.port, "/login", claimed).body.decode()
    assert "/elsewhere/" not in through and 'href="/static/' in through


def test_nginx_gives_each_request_its_own_id_which_the_app_returns(stack):
    first = _get(stack.port, "/healthz", {"X-Request-ID": "chosen-by-the-client"}).getheader("X-Request-ID")
    second = _get(stack.port, "/healthz").getheader("X-Request-ID")
    assert first and second and first != second and first != "chosen-by-the-client"
    assert re.fullmatch(r"[0-9a-f]{32}", first)
