"""Deleting, reprocessing, retrying, resuming and checking keep every total exact (real PostgreSQL and Redis)."""

from decimal import Decimal
from pathlib import Path

import pytest
from rq.job import Job
from sqlalchemy import text

from tests.fixtures_accounts import signed_in_client
from webapp import broker
from webapp.extensions import db
from webapp.services.pipeline import queue, storage, sweeper


@pytest.fixture
def upload(api, make_workbook):
    """Upload one single-number workbook per value into a category; return the document ids."""

    def send(category, *values, prefix="w"):
        files = [(f"{prefix}{i}.xlsx", make_workbook({"S": [[value]]})) for i, value in enumerate(values)]
        response = api.upload(category, *files)
        assert response.status_code == 202, response.json
        return [d["id"] for d in response.json["documents"]]

    return send


def _total(client, name):
    category = client.get(f"/api/categories/{name}").json
    return Decimal(category["total"]), category["documents"]


def _sql(app, statement, **params):
    with app.app_context():
        result = db.session.execute(text(statement), params)
        rows = result.all() if result.returns_rows else None
        db.session.commit()
        return rows


def _stored(app, document_id) -> Path:
    with app.app_context():
        sha = db.session.execute(text("SELECT sha256 FROM documents WHERE id = :id"), {"id": document_id}).scalar()
        return storage.backend().path_for(sha)  # these tests keep files in the local folder


def test_deleting_a_document_subtracts_exactly_its_sum_once(api, client, upload, run_jobs, runner, app):
    api.create_category("phones")
    keep, gone = upload("phones", 12.5, 0.1)
    run_jobs()
    assert _total(client, "phones") == (Decimal("12.6"), 2)
    stored = _stored(app, gone)

    page = client.get(f"/documents/{gone}/delete")
    assert page.status_code == 200 and "0.1" in page.text and "will be taken off" in page.text
    response = client.post(f"/documents/{gone}/delete", follow_redirects=True)
    assert "Deleted “w1.xlsx”; 0.1 was taken off the total of “phones”." in response.text
    assert _total(client, "phones") == (Decimal("12.5"), 1)
    assert not stored.exists()
    assert client.get(f"/api/documents/{gone}").status_code == 404

    again = client.post(f"/documents/{gone}/delete", follow_redirects=True)
    assert "it may have been deleted already" in again.text
    assert _total(client, "phones") == (Decimal("12.5"), 1)
    assert api.document(keep)["status"] == "done"
    assert runner.invoke(args=["totals", "check"]).exit_code == 0


def test_deleting_a_document_before_it_is_counted_leaves_the_total_and_its_job_does_nothing(
    api, client, upload, run_jobs, runner
):
    api.create_category("phones")
    (queued,) = upload("phones", 7)
    response = client.post(f"/documents/{queued}/delete", follow_redirects=True)
    assert "It had not been counted, so the total is unchanged." in response.text
    run_jobs()  # the job enqueued at upload finds nothing to count
    assert _total(client, "phones") == (Decimal(0), 0)
    assert runner.invoke(args=["totals", "check"]).exit_code == 0


def test_a_file_shared_with_another_category_survives_deletion(api, client, make_workbook, run_jobs, app):
    api.create_category("asia")
    api.create_category("europe", region="Europe")
    content = make_workbook({"S": [[3]]})
    first = api.upload("asia", ("same.xlsx", content)).json["documents"][0]["id"]
    second = api.upload("europe", ("same.xlsx", content)).json["documents"][0]["id"]
    run_jobs()
    client.post(f"/documents/{first}/delete")
    assert _stored(app, second).exists()
    assert client.get(f"/documents/{second}/download").data == content


def test_deleting_a_category_needs_its_name_typed_and_takes_its_files(api, client, upload, run_jobs, runner, app):
    api.create_category("phones")
    api.create_category("tablets", type="tablets")
    ids = upload("phones", 1, 2, 3)
    (other,) = upload("tablets", 4)
    run_jobs()
    stored = [_stored(app, i) for i in ids]

    assert "Delete this category" in client.get("/categories/phones").text
    confirm = client.get("/categories/phones/delete")
    assert confirm.status_code == 200 and 'name="confirm_name"' in confirm.text and ">3<" in confirm.text

    refused = client.post("/categories/phones/delete", data={"confirm_name": "phone"})
    assert refused.status_code == 400 and "exactly to confirm; nothing was deleted" in refused.text
    assert _total(client, "phones") == (Decimal(6), 3)

    done = client.post("/categories/phones/delete", data={"confirm_name": "phones"}, follow_redirects=True)
    assert "Deleted the category “phones” and its 3 file(s)." in done.text
    assert client.get("/api/categories/phones").status_code == 404
    assert all(client.get(f"/api/documents/{i}").status_code == 404 for i in ids)
    assert not any(path.exists() for path in stored)
    assert api.document(other)["status"] == "done"
    assert client.get("/api/types/phones/sum").status_code == 404
    assert runner.invoke(args=["totals", "check"]).exit_code == 0


def test_deleting_pages_refuse_without_a_form_token(config, api, upload, client):
    from webapp import create_app

    api.create_category("phones")
    (doc,) = upload("phones", 1)
    config.WTF_CSRF_ENABLED = True
    try:
        guarded = signed_in_client(create_app(config))
    finally:
        config.WTF_CSRF_ENABLED = False
    assert guarded.post(f"/documents/{doc}/delete").status_code == 400
    assert guarded.post("/categories/phones/delete", data={"confirm_name": "phones"}).status_code == 400
    assert client.get(f"/api/documents/{doc}").status_code == 200


def test_reprocessing_replaces_a_contribution_atomically(api, client, upload, run_jobs, runner, app):
    api.create_category("phones")
    doc, _ = upload("phones", 10, 5)
    run_jobs()
    # As if older number rules had read 100 more from this file: consistent, but outdated.
    _sql(app, "UPDATE documents SET total = total + 100, counted_total = counted_total + 100 WHERE id = :id", id=doc)
    _sql(app, "UPDATE categories SET total = total + 100")
    _sql(app, "UPDATE total_changes SET amount = amount + CASE WHEN document_id = :id THEN 100 ELSE 0 END, "
              "total_after = total_after + 100 WHERE id >= (SELECT id FROM total_changes WHERE document_id = :id)", id=doc)
    assert runner.invoke(args=["totals", "check"]).exit_code == 0
    assert _total(client, "phones") == (Decimal(115), 2)

    response = client.post(f"/documents/{doc}/reprocess", follow_redirects=True)
    assert "will be read again" in response.text
    run_jobs()
    assert _total(client, "phones") == (Decimal(15), 2)
    assert api.document(doc)["total"] == "10"
    assert runner.invoke(args=["totals", "check"]).exit_code == 0


def test_reprocessing_a_file_that_can_no_longer_be_read_withdraws_it(api, client, upload, run_jobs, runner, app):
    api.create_category("phones")
    doc, _ = upload("phones", 10, 5)
    run_jobs()
    _stored(app, doc).write_bytes(b"PK\x03\x04 no longer a workbook")
    assert runner.invoke(args=["documents", "reprocess", str(doc)]).exit_code == 0
    run_jobs()
    document = api.document(doc)
    assert document["status"] == "failed" and document["error"]
    assert _total(client, "phones") == (Decimal(5), 1)
    assert runner.invoke(args=["totals", "check"]).exit_code == 0


def test_reprocess_refuses_files_that_are_not_done(api, client, upload, runner):
    api.create_category("phones")
    (doc,) = upload("phones", 1)
    response = client.post(f"/documents/{doc}/reprocess", follow_redirects=True)
    assert "Only a processed file can be reprocessed" in response.text
    result = runner.invoke(args=["documents", "reprocess"])
    assert result.exit_code != 0 and "--category NAME or --all" in result.output


def test_reprocess_all_reads_every_done_document_again(api, client, upload, run_jobs, runner):
    api.create_category("phones")
    upload("phones", 1, 2)
    run_jobs()
    result = runner.invoke(args=["documents", "reprocess", "--all"])
    assert result.exit_code == 0 and "Queued 2 document(s) to be reprocessed." in result.output
    run_jobs()
    assert _total(client, "phones") == (Decimal(3), 2)


def test_totals_check_reports_a_difference_and_repair_fixes_it_in_one_go(api, client, upload, run_jobs, runner, app):
    api.create_category("phones")
    api.create_category("tablets", type="tablets")
    upload("phones", 1.5, 2)
    upload("tablets", 4)
    run_jobs()
    assert runner.invoke(args=["totals", "check"]).output.strip() == "All category totals match their documents."
    _sql(app, "UPDATE categories SET total = total + 0.01, documents = 7 WHERE name = 'phones'")

    check = runner.invoke(args=["totals", "check"])
    assert check.exit_code == 1
    assert "phones: total 3.51 (documents say 3.5), files 7 (documents say 2)" in check.output
    assert "tablets" not in check.output

    repair = runner.invoke(args=["totals", "repair"])
    assert repair.exit_code == 0
    assert "Repaired phones: total 3.51 → 3.5, files 7 → 2" in repair.output
    assert _total(client, "phones") == (Decimal("3.5"), 2)
    assert runner.invoke(args=["totals", "check"]).exit_code == 0
    assert "Nothing to repair" in runner.invoke(args=["totals", "repair"]).output


def test_retry_failed_sends_every_failed_document_back(api, client, upload, run_jobs, runner, app):
    api.create_category("phones")
    ids = upload("phones", 1, 2, 3)
    hidden = {i: _stored(app, i) for i in ids[:2]}
    contents = {i: path.read_bytes() for i, path in hidden.items()}
    for path in hidden.values():
        path.unlink()
    run_jobs()
    assert [api.document(i)["status"] for i in ids] == ["failed", "failed", "done"]
    assert api.document(ids[0])["error"]
    for i, path in hidden.items():
        path.write_bytes(contents[i])

    result = runner.invoke(args=["documents", "retry-failed"])
    assert result.exit_code == 0 and "Queued 2 failed document(s) again." in result.output
    run_jobs()
    assert [api.document(i)["status"] for i in ids] == ["done", "done", "done"]
    assert _total(client, "phones") == (Decimal(6), 3)
    assert "Queued 0 failed" in runner.invoke(args=["documents", "retry-failed", "--category", "phones"]).output
    assert "no category named" in runner.invoke(args=["documents", "retry-failed", "--category", "nope"]).output


def test_a_corrupt_workbook_fails_at_once_with_a_reason(api, client, run_jobs, app):
    api.create_category("phones")
    doc = api.upload("phones", ("bad.xlsx", _corrupt_workbook())).json["documents"][0]["id"]
    run_jobs()
    document = api.document(doc)
    assert document["status"] == "failed" and document["error"]
    assert _sql(app, "SELECT attempts FROM documents WHERE id = :id", id=doc)[0][0] == 1
    assert _total(client, "phones") == (Decimal(0), 0)


def _corrupt_workbook() -> bytes:
    """A zip that passes the upload checks (it names a workbook part) but holds no readable workbook."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "this is not xml")
    return buffer.getvalue()


def test_a_document_whose_enqueue_was_lost_is_resumed(api, client, upload, run_jobs, runner, redis):
    api.create_category("phones")
    ids = upload("phones", 1, 2)
    redis.flushdb()  # the jobs are gone, as if Redis had lost them
    result = runner.invoke(args=["documents", "resume"])
    assert result.exit_code == 0 and "Re-enqueued 2 document(s)" in result.output
    run_jobs()
    assert [api.document(i)["status"] for i in ids] == ["done", "done"]
    assert _total(client, "phones") == (Decimal(3), 2)


def test_enqueueing_a_document_twice_leaves_one_waiting_job(api, upload, app, redis):
    api.create_category("phones")
    (doc,) = upload("phones", 1)
    with app.app_context():
        assert queue.enqueue_document(doc) and queue.enqueue_document(doc)
        assert queue.documents_queue().job_ids == [queue.job_id(doc)]


def test_the_sweeper_resumes_a_document_whose_lease_ran_out(api, client, upload, run_jobs, app):
    api.create_category("phones")
    fresh, stuck = upload("phones", 1, 2)
    run_jobs()
    # `stuck` as a worker that died mid-job leaves it: processing, not counted, its job gone.
    _sql(app, "UPDATE documents SET status = 'processing', counted_at = NULL, counted_total = NULL, "
              "lease_until = now() - interval '1 second' WHERE id = :id", id=stuck)
    _sql(app, "UPDATE categories SET total = total - 2, documents = documents - 1")
    _sql(app, "DELETE FROM total_changes WHERE document_id = :id", id=stuck)
    with app.app_context():
        Job.fetch(queue.job_id(stuck), connection=broker.connection()).delete()
        assert sweeper.sweep(take_turns=False) == 1
        assert sweeper.sweep(take_turns=True) == 0  # another worker's turn is already taken
    run_jobs()
    assert api.document(stuck)["status"] == "done"
    assert _total(client, "phones") == (Decimal(3), 2)


def test_a_counted_document_the_index_missed_is_caught_up(api, client, upload, run_jobs, app, runner):
    api.create_category("phones")
    (doc,) = upload("phones", 4242)
    run_jobs()
    _sql(app, "UPDATE documents SET indexed_at = NULL WHERE id = :id", id=doc)
    _sql(app, "DELETE FROM document_chunks WHERE document_id = :id", id=doc)
    assert client.get("/api/search?q=4242").json["total"] == 0
    assert "not yet searchable" in client.get(f"/documents/{doc}").text
    result = runner.invoke(args=["documents", "resume"])
    assert "indexed 1 document(s)" in result.output
    assert client.get("/api/search?q=4242").json["total"] == 1
    assert api.document(doc)["searchable"] is True
