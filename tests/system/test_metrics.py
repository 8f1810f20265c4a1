"""Prometheus metrics at /metrics: present, moving with uploads, failures and retries, and not for everyone."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.9"}


def scrape(client, **kwargs) -> dict[tuple, float]:
    """Read /metrics as Prometheus would: {(sample name, sorted labels): value}."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.text
    assert response.content_type.startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    """Add up the samples of one name whose labels include these (0 when none)."""
    wanted = set(labels.items())
    return sum(v for (n, found), v in samples.items() if n == name and wanted <= set(found))


def _broken_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet")
    return buffer.getvalue()


def test_metrics_move_with_an_upload_a_failure_and_a_retry(client, api, make_workbook, run_jobs):
    api.create_category("asian_phones")
    before = scrape(client)
    good = api.upload("asian_phones", ("good.xlsx", make_workbook({"S": [[1, 2], [3, "x"]]}))).json["documents"][0]
    broken = api.upload("asian_phones", ("broken.xlsx", _broken_workbook())).json["documents"][0]
    assert api.upload("asian_phones", ("notes.txt", b"\x00\x01\x02 not a workbook")).status_code == 400
    waiting = scrape(client)
    assert value(waiting, "workbooks_queue_depth") == 2
    assert value(waiting, "workbooks_queue_oldest_seconds") >= 0
    assert value(waiting, "workbooks_documents", status="queued") == 2

    run_jobs()
    after = scrape(client)
    accepted = value(after, "workbooks_uploads_total", outcome="accepted")
    assert accepted - value(before, "workbooks_uploads_total", outcome="accepted") == 2
    assert (value(after, "workbooks_uploads_total", outcome="refused", reason="not_a_workbook")
            - value(before, "workbooks_uploads_total", outcome="refused", reason="not_a_workbook")) == 1
    assert value(after, "workbooks_documents", status="done") == 1
    assert value(after, "workbooks_documents", status="failed") == 1
    assert value(after, "workbooks_queue_depth") == 0 and value(after, "workbooks_documents_unsearchable") == 0
    finished = ("workbooks_jobs_total", {"job": "process_document", "outcome": "finished"})
    assert value(after, finished[0], **finished[1]) - value(before, finished[0], **finished[1]) == 2
    assert (value(after, "workbooks_extraction_seconds_count", format="xlsx")
            - value(before, "workbooks_extraction_seconds_count", format="xlsx")) == 1
    assert value(after, "workbooks_document_cells_sum") - value(before, "workbooks_document_cells_sum") == 4
    uploads = {"endpoint": "api.upload_files", "method": "POST", "status": "202"}
    assert value(after, "workbooks_http_requests_total", **uploads) - value(before, "workbooks_http_requests_total", **uploads) == 2
    assert value(after, "workbooks_http_request_seconds_count", endpoint="api.upload_files") >= 2

    assert client.post(f"/api/documents/{broken['id']}/retry").status_code == 202
    retried = scrape(client)
    assert value(retried, "workbooks_documents", status="failed") == 0
    assert value(retried, "workbooks_documents", status="queued") == 1
    assert value(retried, "workbooks_queue_depth") == 1
    assert good["id"] != broken["id"]


def test_an_upload_over_the_size_limit_counts_as_refused_too_large(client, api, app):
    api.create_category("asian_phones")
    before = value(scrape(client), "workbooks_uploads_total", outcome="refused", reason="too_large")
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    try:
        assert api.upload("asian_phones", ("big.xlsx", b"PK" + b"0" * 20_000)).status_code == 413
    finally:
        app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    assert value(scrape(client), "workbooks_uploads_total", outcome="refused", reason="too_large") - before == 1


def test_a_job_that_will_be_tried_again_counts_as_retried(client, api, make_workbook, run_jobs, app, monkeypatch):
    from webapp import search

    api.create_category("asian_phones")
    api.upload("asian_phones", ("good.xlsx", make_workbook({"S": [[5]]})))
    before = scrape(client)

    def away(document_id):
        raise search.SearchUnavailable("search is away")

    monkeypatch.setattr(search, "index_document", away)
    run_jobs()
    after = scrape(client)
    retried = {"job": "process_document", "outcome": "retried"}
    assert value(after, "workbooks_jobs_total", **retried) - value(before, "workbooks_jobs_total", **retried) == 1
    assert value(after, "workbooks_jobs_scheduled") == 1
    assert value(after, "workbooks_documents_unsearchable") == 1


def test_metrics_are_refused_to_the_anonymous_from_elsewhere_and_to_a_wrong_token(app, anonymous, login_as):
    assert anonymous.get("/metrics").status_code == 200  # this machine (the test client is 127.0.0.1)
    assert anonymous.get("/metrics", environ_base=ELSEWHERE).status_code == 403
    app.config["METRICS_TOKEN"] = "scrape-me-please"
    try:
        wrong = anonymous.get("/metrics", environ_base=ELSEWHERE, headers={"Authorization": "Bearer guess"})
        assert wrong.status_code == 403 and "workbooks_" not in wrong.text
        right = anonymous.get("/metrics", environ_base=ELSEWHERE, headers={"Authorization": "Bearer scrape-me-please"})
        assert right.status_code == 200 and "workbooks_queue_depth" in right.text
    finally:
        app.config["METRICS_TOKEN"] = ""
    assert login_as("admin").get("/metrics", environ_base=ELSEWHERE).status_code == 200
    assert login_as("viewer").get("/metrics", environ_base=ELSEWHERE).status_code == 403
    # The gauges count every region's files: an admin of some regions only reads them like anyone else.
    assert login_as("admin", ["Asia"]).get("/metrics", environ_base=ELSEWHERE).status_code == 403


def test_the_last_totals_check_shows_in_the_metrics(client, runner):
    assert value(scrape(client), "workbooks_totals_check_mismatches") == -1
    assert runner.invoke(args=["totals", "check"]).exit_code == 0
    checked = scrape(client)
    assert value(checked, "workbooks_totals_check_mismatches") == 0
    assert value(checked, "workbooks_totals_check_timestamp_seconds") > 0


def _record(folder: Path, code: str) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    subprocess.run([sys.executable, "-c", f"from webapp import metrics\n{code}"], cwd=ROOT, env=env, check=True, timeout=60)


def test_processes_sharing_a_folder_add_up_and_dead_ones_are_cleaned_at_start(tmp_path):
    _record(tmp_path, "metrics.accepted(2)")
    _record(tmp_path, "metrics.accepted(3)")
    names = sorted(p.name for p in tmp_path.glob("*.db"))
    assert len(names) == 2  # one file per process
    read = subprocess.run(
        [sys.executable, "-c", "from prometheus_client import generate_latest\nfrom webapp import metrics\n"
                               "print(generate_latest(metrics.registry()).decode())"],
        cwd=ROOT, env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}, capture_output=True, text=True,
        timeout=60, check=True)
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in text_string_to_metric_families(read.stdout) for s in f.samples}
    assert value(samples, "workbooks_uploads_total", outcome="accepted") == 5
    from webapp import metrics

    assert metrics.remove_dead_files(str(tmp_path)) == len(names)
    assert not list(tmp_path.glob("*.db"))


def test_every_metric_the_alert_rules_name_is_one_the_app_exposes(client, runner):
    import re

    import yaml

    runner.invoke(args=["totals", "check"])
    exposed = {name for name, _ in scrape(client)} | {"up"}
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "rules.yml").read_text())["groups"]
    named = {name for group in rules for rule in group["rules"] for name in re.findall(r"\b(workbooks_\w+|up)\b", rule["expr"])}
    assert named and named <= exposed, named - exposed


@pytest.mark.slow
def test_a_worker_serves_the_metrics_its_jobs_recorded(api, make_workbook, worker_env, client):
    import time
    import urllib.request

    from webapp.embedded import free_port

    port = free_port()
    api.create_category("asian_phones")
    document = api.upload("asian_phones", ("good.xlsx", make_workbook({"S": [[1, 2, 3]]}))).json["documents"][0]
    env = {**worker_env, "WORKER_METRICS_PORT": str(port), "METRICS_TOKEN": "t"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    worker = subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while api.document(document["id"])["status"] != "done" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert api.document(document["id"])["status"] == "done"
        assert value(scrape(client), "workbooks_workers") == 1  # the web app's collector sees it in Redis
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in text_string_to_metric_families(text) for s in f.samples}
    assert value(samples, "workbooks_jobs_total", job="process_document", outcome="finished") == 1
    assert value(samples, "workbooks_extraction_seconds_count", format="xlsx") == 1
    assert value(samples, "workbooks_document_cells_sum") == 3
    assert value(samples, "workbooks_sweeper_runs_total", trigger="start") >= 1


@pytest.mark.slow
def test_gunicorns_processes_add_up_and_a_process_that_exits_still_counts(worker_env, tmp_path):
    import signal
    import time
    import urllib.request

    from tests.live_http import eventually
    from webapp.embedded import free_port

    port = free_port()
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {**worker_env, "PROMETHEUS_MULTIPROC_DIR": str(folder), "LOG_FORMAT": "json"}
    (folder / "counter_4000000.db").write_bytes(b"")  # a process long gone (past any pid): cleaned at start
    output = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                               "--threads", "2", "--access-logfile", "-", "wsgi:app"], cwd=ROOT, env=env,
                              start_new_session=True, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def healthz_count() -> float:
        text = urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                   for f in text_string_to_metric_families(text) for s in f.samples}
        return value(samples, "workbooks_http_requests_total", endpoint="main.healthz", status="200")

    try:
        eventually(lambda: urllib.request.urlopen(f"{base}/healthz", timeout=5).status == 200, 60, "gunicorn")
        assert not (folder / "counter_4000000.db").exists()
        for _ in range(30):
            urllib.request.urlopen(f"{base}/healthz", timeout=5).read()
        counted = healthz_count()
        assert counted >= 31  # every request, whichever of the two processes answered it
        assert list(folder.glob("counter_*.db")), "the processes record in the folder they were given"
        os.kill(server.pid, signal.SIGTTOU)  # one process fewer: gunicorn stops a worker
        time.sleep(3)
        assert healthz_count() >= counted, "an exited process's counts stay in the sum"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        output.close()
    # gunicorn's own lines (master, access log) and the app's are all one JSON object each.
    lines = [json.loads(line) for line in (tmp_path / "gunicorn.log").read_text().splitlines() if line.strip()]
    assert {"gunicorn.error", "gunicorn.access", "webapp.request"} <= {line["logger"] for line in lines}
    assert all(line["request_id"] for line in lines if line["logger"] == "webapp.request")
