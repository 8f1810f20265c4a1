"""The file store failing for real: a SeaweedFS of the test's own, stopped during an upload and during a job."""

import io
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from flask_migrate import upgrade
from rq.job import Job
from sqlalchemy import func, select, text

from tests.fixtures_accounts import signed_in_client
from tests.fixtures_faults import wait_for
from tests.fixtures_storage import on_s3
from webapp import broker, create_app
from webapp.embedded import EmbeddedS3
from webapp.extensions import db
from webapp.models import Document
from webapp.services.pipeline import queue


@pytest.fixture
def stoppable_s3(tmp_path):
    """A SeaweedFS the test may stop and start again at the same address, with its files kept."""
    server = EmbeddedS3(tmp_path / "seaweedfs", bucket="faults", die_with_parent=True)
    settings = server.start()
    yield server, settings
    server.stop()


@pytest.fixture
def fault_app(config, stoppable_s3):
    server, settings = stoppable_s3
    app = create_app(on_s3(config, settings, bucket=settings["S3_BUCKET"]))
    with app.app_context():
        upgrade()
    return app


def _upload(client, filename, content):
    data = {"file": [(io.BytesIO(content), filename)]}
    return client.post("/api/categories/phones/files", data=data, content_type="multipart/form-data")


def _documents(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Document))
        db.session.remove()
        return count


def test_storage_down_during_an_upload_answers_503_and_keeps_nothing(fault_app, stoppable_s3, make_workbook):
    server, _ = stoppable_s3
    client = signed_in_client(fault_app)
    client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"})
    assert _upload(client, "before.xlsx", make_workbook({"S": [[1]]})).status_code == 202

    spools_before = set(Path(tempfile.gettempdir()).glob("workbooks-upload-*"))
    server.stop()
    assert client.get("/healthz").json["storage"].startswith("down")
    refused = _upload(client, "during.xlsx", make_workbook({"S": [[2]]}))
    assert refused.status_code == 503
    assert refused.json["error"] == "The file store is not answering, so nothing was uploaded. Please try again in a minute."
    page = client.post("/categories/phones/upload", content_type="multipart/form-data",
                       data={"file": [(io.BytesIO(make_workbook({"S": [[3]]})), "form.xlsx")]})
    assert page.status_code == 503 and "nothing was uploaded" in page.text
    assert _documents(fault_app) == 1
    assert client.get("/api/categories/phones").json["total"] == "0"
    assert set(Path(tempfile.gettempdir()).glob("workbooks-upload-*")) <= spools_before, "no spool is left behind"

    server.start()
    assert _upload(client, "after.xlsx", make_workbook({"S": [[4]]})).status_code == 202
    assert _documents(fault_app) == 2


def _row(app, document_id):
    with app.app_context():
        row = db.session.execute(text("SELECT status, attempts, counted_at IS NOT NULL AS counted FROM documents "
                                      "WHERE id = :id"), {"id": document_id}).one()
        db.session.remove()
        return row


@pytest.mark.slow
def test_storage_down_while_a_job_runs_is_retried_and_counted_once(
    fault_app, stoppable_s3, workers, make_workbook
):
    server, settings = stoppable_s3
    client = signed_in_client(fault_app)
    client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"})
    doc = _upload(client, "a.xlsx", make_workbook({"S": [[7.25, "and 0.5 kg"]]})).json["documents"][0]["id"]

    server.stop()
    workers.start(1, **settings)

    def retry_scheduled():
        with fault_app.app_context():
            return Job.fetch(queue.job_id(doc), connection=broker.connection()).get_status() == "scheduled"

    wait_for(retry_scheduled, 30, "the job to fail on the store and be scheduled for a retry", details=workers.logs)
    row = _row(fault_app, doc)
    assert (row.status, row.attempts, row.counted) == ("queued", 0, False), "waiting for storage, not failed"
    assert client.get("/api/categories/phones").json["total"] == "0"

    server.start()
    wait_for(lambda: _row(fault_app, doc).status == "done", 60, "the retry to count the document", details=workers.logs)
    assert _row(fault_app, doc).attempts == 1
    category = client.get("/api/categories/phones").json
    assert (Decimal(category["total"]), category["documents"]) == (Decimal("7.75"), 1)
    assert fault_app.test_cli_runner().invoke(args=["totals", "check"]).exit_code == 0
