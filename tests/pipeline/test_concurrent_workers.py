"""Two real worker processes on one category at the same time: the total stays exact."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

# Real worker processes: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_two_workers_processing_one_category_keep_an_exact_total(api, client, make_workbook, worker_env):
    api.create_category("hot")
    values = [Decimal(f"{i}.{i % 10}1") for i in range(1, 41)]
    files = [(f"w{i}.xlsx", make_workbook({"S": [[float(v)]]})) for i, v in enumerate(values)]
    for start in range(0, len(files), 10):
        assert api.upload("hot", *files[start:start + 10]).status_code == 202
    workers = [
        subprocess.Popen([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=worker_env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    try:
        logs = [w.communicate(timeout=120)[1].decode() for w in workers]
    finally:
        for w in workers:
            w.kill()
    assert all(w.returncode == 0 for w in workers)
    assert all("process document" in log for log in logs), "both workers should have taken jobs"
    category = client.get("/api/categories/hot").json
    assert category["documents"] == 40
    assert Decimal(category["total"]) == sum(values)


def test_a_job_run_twice_counts_the_document_once(api, client, make_workbook, run_jobs, app):
    from webapp.services.pipeline.queue import enqueue_document

    api.create_category("twice")
    doc = api.upload("twice", ("w.xlsx", make_workbook({"S": [[2.5]]}))).json["documents"][0]
    with app.app_context():
        enqueue_document(doc["id"])
    run_jobs()
    with app.app_context():
        enqueue_document(doc["id"])
    run_jobs()
    assert client.get("/api/categories/twice").json == {
        "name": "twice", "region": "Asia", "type": "phones", "total": "2.5", "documents": 1}
