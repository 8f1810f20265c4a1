"""200 uploads over 5 categories, 3 real workers, one SIGKILLed every few hundred milliseconds and restarted."""

import io
import random
import threading
import time
import zipfile
from decimal import Decimal

import pytest
from rq import Worker
from sqlalchemy import text

from tests.fixtures_faults import assert_ledger_balanced, wait_for
from webapp.extensions import db
from webapp.services.pipeline import queue

# Real worker and server processes, started and stopped per test: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow
CATEGORIES = [f"chaos{i}" for i in range(5)]
UPLOADS = 200
CORRUPT = 2  # pass the upload checks, then fail extraction: must end failed with a reason, counted nowhere


def _corrupt_workbook(tag: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", f"not a workbook {tag}")
    return buffer.getvalue()


def _statuses(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(text("SELECT status, count(*) FROM documents GROUP BY status")).all()
        db.session.remove()
    return dict(rows)


class Chaos(threading.Thread):
    """Every 0.3–0.7 s SIGKILL a worker, preferably one in the middle of a job, and start a new one."""

    def __init__(self, app, workers, seed: int = 4):
        super().__init__(daemon=True)
        self.app, self.workers = app, workers
        self.random = random.Random(seed)
        self.stopping = threading.Event()
        self.mid_job = 0

    def run(self) -> None:
        while not self.stopping.wait(self.random.uniform(0.3, 0.7)):
            target, busy = self._pick()
            self.mid_job += busy
            self.workers.kill_and_restart(target)

    def _pick(self):
        """Prefer a worker in the middle of a job (waiting up to 2 s for one); else the oldest."""
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and not self.stopping.is_set():
            busy = self._busy_pids()
            target = next((p for p in self.workers.running if p.pid in busy), None)
            if target is not None:
                time.sleep(self.random.uniform(0.05, 0.3))  # somewhere inside the job, not at its first instant
                return target, True
            time.sleep(0.05)
        return self.workers.running[0], False

    def _busy_pids(self) -> set[int]:
        with self.app.app_context():
            return {w.pid for w in Worker.all(queue=queue.documents_queue()) if w.get_state() == "busy"}

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)


def test_killing_workers_mid_flight_loses_nothing_and_counts_everything_once(
    api, client, app, runner, workers, make_workbook
):
    for name in CATEGORIES:
        api.create_category(name)
    expected = {name: Decimal(0) for name in CATEGORIES}
    books = []
    for i in range(UPLOADS):
        a, b = Decimal(f"{i}.{i % 10}"), Decimal(i) / 100
        category = CATEGORIES[i % len(CATEGORIES)]
        expected[category] += a + b
        books.append((category, f"book{i}.xlsx", make_workbook({"S": [[float(a), "units", float(b)]]})))
    books += [(CATEGORIES[i], f"corrupt{i}.xlsx", _corrupt_workbook(i)) for i in range(CORRUPT)]
    random.Random(7).shuffle(books)

    # Each job holds 0.2 s between its claim and its count, so kills land inside jobs, not only between them.
    workers.start(3, FAULT_INJECT="before_count:sleep=0.2")
    chaos = Chaos(app, workers)
    chaos.start()
    try:
        for category, filename, content in books:
            assert api.upload(category, (filename, content)).status_code == 202
        deadline = time.monotonic() + 4  # keep killing while the backlog is worked off
        while time.monotonic() < deadline or workers.killed < 12:
            time.sleep(0.1)
    finally:
        chaos.stop()
    # One last crash of every worker, then a fresh crew without the hold works off the backlog at full speed.
    for process in list(workers.running):
        workers.kill(process)
    workers.start(3)
    assert workers.killed >= 12 and chaos.mid_job >= 6

    def settled():
        statuses = _statuses(app)
        return statuses.get("done", 0) + statuses.get("failed", 0) == UPLOADS + CORRUPT and statuses

    statuses = wait_for(settled, 120, "every upload to be done or failed", every=0.5,
                        details=lambda: f"{_statuses(app)}\n{workers.logs()}")
    assert statuses == {"done": UPLOADS, "failed": CORRUPT}

    with app.app_context():
        failed = db.session.execute(text("SELECT filename, error FROM documents WHERE status = 'failed'")).all()
        retried = db.session.execute(text("SELECT count(*) FROM documents WHERE attempts > 1")).scalar()
        db.session.remove()
    assert sorted(f for f, _ in failed) == [f"corrupt{i}.xlsx" for i in range(CORRUPT)]
    assert all(error for _, error in failed)

    check = runner.invoke(args=["totals", "check"])
    assert check.exit_code == 0, check.output
    assert_ledger_balanced(app)
    for name in CATEGORIES:
        category = client.get(f"/api/categories/{name}").json
        assert Decimal(category["total"]) == expected[name]
        assert category["documents"] == UPLOADS // len(CATEGORIES)
    assert retried >= 1, "some document should have been claimed by a job that was then killed"
    print(f"workers killed={workers.killed} mid_job={chaos.mid_job} documents claimed more than once={retried}")
