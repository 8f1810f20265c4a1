"""While Redis is away, uploads and retries are accepted, stay queued, and say when processing starts."""

import copy
import io

import pytest
from sqlalchemy import text

from tests.fixtures_accounts import signed_in_client
from webapp import create_app
from webapp.extensions import db

WORKBOOK = b"item,count\nwidget,1\ngadget,2\n"


@pytest.fixture
def without_queue(config, tmp_path):
    """A client of the app whose Redis is gone (its socket does not exist)."""
    own = copy.copy(config)
    own.REDIS_URL = f"unix://{tmp_path}/no-redis.sock"
    app = create_app(own)
    client = signed_in_client(app)
    assert client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "t"}).status_code == 201
    return app, client


def test_an_api_upload_says_the_queue_is_unavailable_and_stays_queued(without_queue):
    _, client = without_queue
    response = client.post("/api/categories/phones/files", data={"file": [(io.BytesIO(WORKBOOK), "a.csv")]},
                           content_type="multipart/form-data")
    assert response.status_code == 202
    assert response.json["queue"] == "unavailable"
    assert response.json["message"] == "Safely stored; processing starts when the queue is back (it is unavailable right now)."
    assert [d["status"] for d in response.json["documents"]] == ["queued"]


def test_a_page_upload_and_a_retry_say_processing_waits_for_the_queue(without_queue):
    app, client = without_queue
    page = client.post("/categories/phones/upload", data={"file": [(io.BytesIO(WORKBOOK), "a.csv")]},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "Uploaded “a.csv”. It is safely stored and queued; processing starts when the queue is back" in page.text
    assert "Processing has started" not in page.text and "flash-warning" in page.text

    with app.app_context():
        db.session.execute(text("UPDATE documents SET status = 'failed', error = 'x'"))
        db.session.commit()
        document_id = db.session.execute(text("SELECT id FROM documents")).scalar()
        db.session.remove()
    retried = client.post(f"/documents/{document_id}/retry", follow_redirects=True)
    assert "“a.csv” is queued again; processing starts when the queue is back" in retried.text
    assert client.get(f"/api/documents/{document_id}").json["status"] == "queued"
