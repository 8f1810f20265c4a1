"""Fixtures for the search contract: an Elasticsearch-API server and an app that searches with it.

Without ELASTICSEARCH_URL the server is noida-db, an emulator of the Elasticsearch REST API from
PyPI, started on 127.0.0.1 and a free port. With ELASTICSEARCH_URL (and ELASTICSEARCH_USERNAME,
ELASTICSEARCH_PASSWORD, ELASTICSEARCH_CA_CERTS as needed) the same tests use that real server,
under an alias of their own that they delete afterwards.
"""

import copy
import ctypes
import os
import secrets
import signal
import stat
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

import pytest
from elastic_transport import TransportError
from flask import Flask
from flask_migrate import upgrade

from webapp import create_app, search
from webapp.embedded import free_port

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # A test run that is killed never reaches teardown: Linux then stops the server for us.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class EmulatedElasticsearch:
    """noida-db serving only its Elasticsearch API; it can be stopped and started again on the same port."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.url = f"http://127.0.0.1:{free_port()}"
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the server and wait until it answers HTTP (10 s at most)."""
        binary = Path(str(files("noida_db").joinpath("noida-db")))
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
        port = self.url.rsplit(":", 1)[1]
        self._process = subprocess.Popen(
            [str(binary), "start", "--data-dir", str(self.data_dir), "--only", "elasticsearch",
             "--elasticsearch-port", port],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"noida-db exited with code {self._process.returncode}")
            try:
                urllib.request.urlopen(self.url, timeout=1).close()
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("noida-db did not answer within 10 s")

    def stop(self) -> None:
        """Stop the server (its data stays in data_dir)."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._process = None

    @contextmanager
    def outage(self, app: Flask):
        """Make Elasticsearch unreachable for the app inside the block: the server really stops."""
        self.stop()
        try:
            yield
        finally:
            self.start()


class ExternalElasticsearch:
    """A real Elasticsearch the tests do not own: an outage points the app at a port nobody listens on."""

    def __init__(self, url: str) -> None:
        self.url = url

    def stop(self) -> None:
        """Leave the external server running."""

    @contextmanager
    def outage(self, app: Flask):
        """Make Elasticsearch unreachable for the app inside the block."""
        forget_backend(app)
        app.config["ELASTICSEARCH_URL"] = f"http://127.0.0.1:{free_port()}"
        try:
            yield
        finally:
            forget_backend(app)
            app.config["ELASTICSEARCH_URL"] = self.url


def forget_backend(app: Flask) -> None:
    """Drop the app's cached search backend so the next call connects afresh."""
    backend = app.extensions.pop("search", None)
    if backend is not None and hasattr(backend, "client"):
        backend.client.close()


def drop_indices(app: Flask) -> None:
    """Delete every versioned index behind the app's alias, and forget the backend."""
    with app.app_context():
        client, alias = search.backend().client, app.config["ELASTICSEARCH_INDEX"]
        names = list(client.indices.get_alias(index=f"{alias}-v*").body)
        if names:
            client.indices.delete(index=",".join(names))
    forget_backend(app)


# Modules that run their tests on both backends override `app` with
#     @pytest.fixture(params=BACKENDS)
#     def app(request, app): yield from on_each_backend(request, app)
BACKENDS = ["postgres", "elasticsearch"]


def on_each_backend(request, app: Flask):
    """Yield the PostgreSQL app or the Elasticsearch one, as the fixture's param says; clean the index after."""
    if request.param == "postgres":
        yield app
        return
    es_app = request.getfixturevalue("es_app")
    yield es_app
    drop_indices(es_app)


def settle(app: Flask) -> None:
    """Wait out Elasticsearch's near-real-time delay (a refresh), as a user waits a second."""
    if not app.config.get("ELASTICSEARCH_URL"):
        return
    with app.app_context():
        backend = search.backend()
        try:
            if backend.client.indices.exists_alias(name=backend.alias):
                backend.client.indices.refresh(index=backend.alias)
        except TransportError:
            pass  # unreachable: nothing was written that could become visible


@pytest.fixture(scope="session")
def search_server(tmp_path_factory):
    """The Elasticsearch-API server: ELASTICSEARCH_URL if set, else a noida-db emulator."""
    url = os.environ.get("ELASTICSEARCH_URL")
    server = ExternalElasticsearch(url) if url else EmulatedElasticsearch(tmp_path_factory.mktemp("noida"))
    if not url:
        server.start()
    yield server
    server.stop()


def _app_on(config, server) -> Flask:
    """Build the app with search in this Elasticsearch, on the same PostgreSQL, Redis and upload folder."""
    es_config = copy.copy(config)
    es_config.ELASTICSEARCH_URL = server.url
    es_config.ELASTICSEARCH_INDEX = f"test-documents-{secrets.token_hex(4)}"
    app = create_app(es_config)
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def es_app(config, search_server):
    """The app with search in Elasticsearch, on the same PostgreSQL, Redis and upload folder."""
    app = _app_on(config, search_server)
    yield app
    drop_indices(app)


@pytest.fixture(scope="session")
def stoppable_search(config, search_server, es_app, tmp_path_factory):
    """A search server the test may stop and restart, with its app: the emulator even beside a real cluster."""
    if isinstance(search_server, EmulatedElasticsearch):
        yield search_server, es_app
        return
    server = EmulatedElasticsearch(tmp_path_factory.mktemp("noida-stoppable"))
    server.start()
    app = _app_on(config, server)
    yield server, app
    drop_indices(app)
    server.stop()
