"""Fixtures: real PostgreSQL and Redis (throwaway embedded servers unless TEST_*_URL are set)."""

import io
import os
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest
from flask_migrate import upgrade
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import text

from webapp import broker, create_app
from webapp.config import TestConfig
from webapp.embedded import EmbeddedPostgres, EmbeddedRedis
from webapp.extensions import db
from webapp.services.pipeline import queue
from webapp.services.pipeline.observed import ObservedJobs

# Fixture modules, one per topic, e.g. "tests.fixtures_search".
pytest_plugins: list[str] = [
    "tests.fixtures_search", "tests.fixtures_faults", "tests.fixtures_storage", "tests.fixtures_accounts",
]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def service_urls(tmp_path_factory):
    """Return (database URL, redis URL), starting embedded servers for whichever is not given."""
    started = []
    database_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not database_url:
        postgres = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="wb-pg-")) / "data", delete_on_stop=True)
        database_url = postgres.start("test")
        started.append(postgres)
    if not redis_url:
        redis = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persistent=False)
        redis_url = redis.start()
        started.append(redis)
    yield database_url, redis_url
    for server in reversed(started):
        server.stop()


@pytest.fixture(scope="session")
def config(service_urls, tmp_path_factory):
    """Return the test configuration pointing at the real services."""
    cfg = TestConfig()
    cfg.SQLALCHEMY_DATABASE_URI, cfg.REDIS_URL = service_urls
    cfg.UPLOAD_FOLDER = str(tmp_path_factory.mktemp("uploads"))
    return cfg


@pytest.fixture(scope="session")
def app(config):
    """Build the app once and bring the schema up through the migrations."""
    app = create_app(config)
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(autouse=True)
def clean_state(request, app):
    """Empty the tables, the queue and the upload folder between tests (truncate, don't rebuild)."""
    yield
    with app.app_context():
        db.session.remove()
        db.session.execute(text("TRUNCATE total_changes, audit_events, document_details, document_chunks, documents, "
                                "categories, api_tokens, users RESTART IDENTITY CASCADE"))
        db.session.commit()
        broker.connection().flushdb()
    shutil.rmtree(app.config["UPLOAD_FOLDER"], ignore_errors=True)


@pytest.fixture
def client(login_as):
    """A test client for pages and the API, signed in as an admin who sees every region."""
    return login_as("admin")


@pytest.fixture
def runner(app):
    """A runner for `flask …` commands."""
    return app.test_cli_runner()


@pytest.fixture
def redis(app) -> Redis:
    """The real Redis the app uses."""
    with app.app_context():
        return broker.connection()


class _TestWorker(ObservedJobs, SimpleWorker):
    """RQ's in-process worker, running jobs as worker.py's does (log fields, job metrics)."""


@pytest.fixture
def run_jobs(app):
    """Process every queued job with a real RQ worker in burst mode; return how many ran."""

    def run() -> None:
        with app.app_context():
            worker = _TestWorker([queue.documents_queue()], connection=broker.connection())
            worker.work(burst=True)
            db.session.remove()

    return run


@pytest.fixture
def make_workbook():
    """Build an .xlsx in memory: {sheet name: rows}; returns the bytes."""

    def build(sheets: dict[str, list[list[object]]] | None = None, *, cells=None) -> bytes:
        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for name, rows in (sheets or {"Sheet1": [[1]]}).items():
            sheet = workbook.create_sheet(name)
            for row in rows:
                sheet.append(row)
            for ref, (value, number_format) in (cells or {}).get(name, {}).items():
                sheet[ref].value = value
                sheet[ref].number_format = number_format
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    return build


@pytest.fixture
def api(client):
    """Small helpers that speak the JSON API like a client program would."""

    class Api:
        def create_category(self, name, region="Asia", type="phones"):
            response = client.post("/api/categories", json={"name": name, "region": region, "type": type})
            assert response.status_code == 201, response.json
            return response.json

        def upload(self, category, *files: tuple[str, bytes]):
            data = {"file": [(io.BytesIO(content), filename) for filename, content in files]}
            return client.post(f"/api/categories/{category}/files", data=data, content_type="multipart/form-data")

        def document(self, document_id):
            return client.get(f"/api/documents/{document_id}").json

    return Api()


@pytest.fixture
def worker_env(config) -> dict[str, str]:
    """Environment for a real `python worker.py` process pointed at the test services."""
    return {
        **os.environ,
        "DATABASE_URL": config.SQLALCHEMY_DATABASE_URI,
        "REDIS_URL": config.REDIS_URL,
        "SECRET_KEY": config.SECRET_KEY,
        "UPLOAD_FOLDER": config.UPLOAD_FOLDER,
        "S3_BUCKET": "",  # the local folder, whatever the shell says
    }
