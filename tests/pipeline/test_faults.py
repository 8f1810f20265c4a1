"""Fault injection against real processes: killed jobs, racing workers, Redis and PostgreSQL outages.

Workers are real `python worker.py` processes (tests/fixtures_faults.py) with a 3 s lease and a 1 s sweep.
Jobs are held or killed at named points through FAULT_INJECT (webapp/services/pipeline/faults.py).
"""

import copy
import io
import time
from decimal import Decimal

import pytest
from flask_migrate import upgrade
from rq.job import Job
from sqlalchemy import text

from tests.fixtures_accounts import signed_in_client
from tests.fixtures_faults import assert_ledger_balanced, wait_for
from tests.fixtures_search import settle
from webapp import broker, create_app
from webapp.extensions import db
from webapp.services.pipeline import queue

# Real worker and server processes, started and stopped per test: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow

def _row(app, document_id):
    with app.app_context():
        row = db.session.execute(
            text("SELECT status, attempts, counted_at IS NOT NULL AS counted, indexed_at IS NOT NULL AS indexed "
                 "FROM documents WHERE id = :id"),
            {"id": document_id},
        ).one()
        db.session.remove()
        return row


def _total(client, name):
    category = client.get(f"/api/categories/{name}").json
    return Decimal(category["total"]), category["documents"]


def _upload(client, category, filename, content, queue="ok"):
    data = {"file": [(io.BytesIO(content), filename)]}
    response = client.post(f"/api/categories/{category}/files", data=data, content_type="multipart/form-data")
    assert response.status_code == 202, response.json
    assert response.json["queue"] == queue, response.json
    return response.json["documents"][0]


def _job(app, document_id):
    with app.app_context():
        return Job.fetch(queue.job_id(document_id), connection=broker.connection())


def test_a_job_killed_after_its_commit_is_retried_and_counts_once(api, client, app, workers, make_workbook, tmp_path):
    api.create_category("phones")
    doc = _upload(client, "phones", "a.xlsx", make_workbook({"S": [[12.5, 0.25]]}))["id"]
    fired = tmp_path / "fired"
    (killed,) = workers.start(1, FAULT_INJECT="after_commit:kill", FAULT_ONCE=str(fired))

    # Killed right after the commit, before RQ recorded success: counted, but not yet searchable.
    wait_for(fired.exists, 30, "the job to reach its commit", details=workers.logs)
    wait_for(lambda: _row(app, doc).counted, 10, "the commit to be visible")
    assert _total(client, "phones") == (Decimal("12.75"), 1)

    # The job ran in the worker, so the worker died with it; its supervisor starts it again. The fresh worker's
    # first sweep sends the document again (its job was started by a worker that died), and that run finds it
    # counted and only catches up the index.
    wait_for(lambda: killed.poll() is not None, 30, "the killed worker to end")
    workers.kill_and_restart(killed)
    wait_for(lambda: _row(app, doc).indexed, 40, "the resumed job to index the document", details=workers.logs)
    row = _row(app, doc)
    assert (row.status, row.attempts) == ("done", 1)
    assert _total(client, "phones") == (Decimal("12.75"), 1)
    assert client.get("/api/search?q=12.5").json["total"] == 1
    assert_ledger_balanced(app)


def test_two_workers_processing_the_same_document_at_once_count_it_once(api, client, app, workers, make_workbook):
    api.create_category("phones")
    doc = _upload(client, "phones", "a.xlsx", make_workbook({"S": [[7.5]]}))["id"]
    with app.app_context():  # a second job for the same document, as a duplicate delivery would make
        twin = queue.documents_queue().enqueue("webapp.jobs.process_document", doc)
    # Both jobs claim, read the file, then wait 2 s: their counts land at the same moment. The lease outlasts
    # the wait, so on a busy machine the sweeper does not hand the document to a third job meanwhile.
    workers.start(2, FAULT_INJECT="before_count:sleep=2", PROCESSING_LEASE_SECONDS="30")

    def finished():
        jobs = [_job(app, doc), twin]
        for job in jobs:
            job.refresh()
        return all(job.get_status() == "finished" for job in jobs) and jobs

    jobs = wait_for(finished, 40, "both jobs to finish", details=workers.logs)
    assert sorted(job.return_value() for job in jobs) == ["done", "skipped"], workers.logs()
    assert len({job.worker_name for job in jobs}) == 2, "each worker should have run one of the jobs"
    row = _row(app, doc)
    assert (row.status, row.attempts) == ("done", 2), "both jobs claimed it before either counted it"
    assert _total(client, "phones") == (Decimal("7.5"), 1)
    assert_ledger_balanced(app)


def test_uploads_while_redis_is_down_are_accepted_and_counted_seconds_after_it_returns(
    config, restartable_redis, workers, make_workbook, runner, tmp_path
):
    own = copy.copy(config)
    own.REDIS_URL = restartable_redis.url
    app = create_app(own)
    client = signed_in_client(app)
    assert client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"}).status_code == 201
    # The production sweep interval: only noticing Redis's return, not a routine sweep, can be quick.
    # The first job holds still, so Redis goes away in the middle of it.
    fired = tmp_path / "fired"
    workers.start(1, REDIS_URL=restartable_redis.url, SWEEP_INTERVAL_SECONDS="60",
                  FAULT_INJECT="before_count:sleep=4", FAULT_ONCE=str(fired))
    held = _upload(client, "phones", "held.xlsx", make_workbook({"S": [[0.5]]}))["id"]
    wait_for(fired.exists, 30, "the first job to hold still", details=workers.logs)
    # Queued behind it: these jobs come back from Redis's append-only file.
    before = [_upload(client, "phones", f"before{i}.xlsx", make_workbook({"S": [[i]]}))["id"] for i in range(5)]

    restartable_redis.stop()
    assert client.get("/healthz").json["queue"].startswith("down")
    during = [_upload(client, "phones", f"during{i}.xlsx", make_workbook({"S": [[100 + i]]}), queue="unavailable")
              for i in range(20)]
    assert {d["status"] for d in during} == {"queued"}
    page = client.post("/categories/phones/upload", data={"file": [(io.BytesIO(make_workbook({"S": [[7]]})), "page.xlsx")]},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "processing starts when the queue is back" in page.text
    time.sleep(8)  # long enough for RQ's own retries to have spread 8 s apart
    restartable_redis.start()
    back = time.monotonic()

    ids = [held, *before, *(d["id"] for d in during), max(d["id"] for d in during) + 1]
    wait_for(lambda: _statuses(app, ids) == {"done": 27}, 60, "every upload to be processed", details=workers.logs)
    waited = time.monotonic() - back
    print(f"counted {len(ids)} uploads {waited:.1f} s after Redis returned")
    assert waited < 20, "uploads made during the outage waited for a routine sweep"
    assert _total(client, "phones") == (Decimal("0.5") + sum(range(5)) + sum(range(100, 120)) + 7, 27)
    assert runner.invoke(args=["totals", "check"]).exit_code == 0


def _statuses(app, ids) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            text("SELECT status, count(*) FROM documents WHERE id = ANY(:ids) GROUP BY status"), {"ids": ids}
        ).all()
        db.session.remove()
    return dict(rows)


def test_postgres_restarted_mid_job_leaves_nothing_half_done_and_the_retry_counts_once(
    config, restartable_postgres, workers, make_workbook, tmp_path
):
    own = copy.copy(config)
    own.SQLALCHEMY_DATABASE_URI = restartable_postgres.url
    app = create_app(own)
    with app.app_context():
        upgrade()
    client = signed_in_client(app)
    assert client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"}).status_code == 201
    doc = _upload(client, "phones", "a.xlsx", make_workbook({"S": [[7.25]]}))["id"]
    fired = tmp_path / "fired"
    workers.start(1, DATABASE_URL=restartable_postgres.url, FAULT_INJECT="before_count:sleep=3", FAULT_ONCE=str(fired))

    wait_for(fired.exists, 30, "the job to read the file", details=workers.logs)
    restartable_postgres.stop()  # while the job holds still, between its claim and its count
    wait_for(lambda: _job(app, doc).get_status() == "scheduled", 30, "the failed job to be scheduled for a retry",
             details=workers.logs)
    restartable_postgres.start()

    # Nothing half-done: not counted and the category untouched (unless the retry already did everything).
    with app.app_context():
        state = db.session.execute(  # one statement, one snapshot
            text("SELECT d.status, d.counted_at IS NOT NULL, c.total, c.documents "
                 "FROM documents d JOIN categories c ON c.id = d.category_id WHERE d.id = :id"),
            {"id": doc},
        ).one()
        db.session.remove()
    assert tuple(state) in {("processing", False, 0, 0), ("done", True, Decimal("7.25"), 1)}

    wait_for(lambda: _row(app, doc).status == "done", 40, "the retry to count the document", details=workers.logs)
    assert _row(app, doc).attempts == 2
    assert _total(client, "phones") == (Decimal("7.25"), 1)
    assert app.test_cli_runner().invoke(args=["totals", "check"]).exit_code == 0
    assert_ledger_balanced(app)


def test_search_unreachable_while_processing_totals_commit_and_the_index_catches_up_by_itself(
    stoppable_search, workers, make_workbook
):
    search_server, es_app = stoppable_search
    client = signed_in_client(es_app)
    client.post("/api/categories", json={"name": "depot", "region": "Atlantis", "type": "tools"})
    env = {"ELASTICSEARCH_URL": search_server.url, "ELASTICSEARCH_INDEX": es_app.config["ELASTICSEARCH_INDEX"]}
    with search_server.outage(es_app):
        doc = _upload(client, "depot", "anvil.xlsx", make_workbook({"S": [["anvil", 5.5]]}))["id"]
        workers.start(1, **env)
        wait_for(lambda: _row(es_app, doc).status == "done", 30, "the document to be counted", details=workers.logs)
        assert _total(client, "depot") == (Decimal("5.5"), 1)
        assert client.get(f"/api/documents/{doc}").json["searchable"] is False
        assert "not yet searchable" in client.get(f"/documents/{doc}").text
        assert client.get("/api/regions", query_string={"term": "anvil"}).status_code == 503

    # Search is back: the job retries with backoff and indexes the document, no command needed.
    wait_for(lambda: _row(es_app, doc).indexed, 40, "the index to catch up", details=workers.logs)
    settle(es_app)
    assert client.get("/api/regions", query_string={"term": "anvil"}).json["regions"] == ["Atlantis"]
    assert [hit["document_id"] for hit in client.get("/api/search", query_string={"q": "anvil"}).json["hits"]] == [doc]
    assert _total(client, "depot") == (Decimal("5.5"), 1)


def test_a_file_deleted_while_its_reprocess_runs_comes_off_once_and_the_reprocess_changes_nothing(
    api, client, app, workers, make_workbook, run_jobs, tmp_path
):
    api.create_category("phones")
    doc = _upload(client, "phones", "a.xlsx", make_workbook({"S": [[5]]}))["id"]
    _upload(client, "phones", "b.xlsx", make_workbook({"S": [[3]]}))
    run_jobs()
    fired = tmp_path / "fired"
    workers.start(1, FAULT_INJECT="before_replace:sleep=3", FAULT_ONCE=str(fired))
    assert client.post(f"/api/documents/{doc}/reprocess").status_code == 202

    wait_for(fired.exists, 30, "the reprocess to have read the file", details=workers.logs)
    assert client.delete(f"/api/documents/{doc}").status_code == 204  # while it holds still before replacing
    job = _job_of(app, doc, "reprocess")
    wait_for(lambda: job.refresh() or job.get_status() == "finished", 30, "the reprocess to finish",
             details=workers.logs)
    assert job.return_value() == "skipped"
    assert _total(client, "phones") == (Decimal(3), 1)
    kinds = [c["kind"] for c in client.get("/api/categories/phones/history").json["changes"]]
    assert sorted(kinds) == ["counted", "counted", "removed"]
    assert_ledger_balanced(app)


def _job_of(app, document_id, action):
    with app.app_context():
        return Job.fetch(queue.job_id(document_id, action), connection=broker.connection())
