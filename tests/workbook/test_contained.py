"""The reader process: the same answer as reading in place, each file under its own cap, and a hostile file or a
kill only ever ends the reader, which the next file replaces."""

import os
import signal
import threading
import time
from decimal import Decimal

import psutil
import pytest
from rq.timeouts import JobTimeoutException, UnixSignalDeathPenalty

from tests.fixtures_files import csv_bytes, far_cell_workbook, xlsx_bytes
from webapp.workbook import contained
from webapp.workbook.contained import ReaderCrashed, ReaderStopped, extract_contained
from webapp.workbook.extract import ExtractionError, Limits, extract
from webapp.workbook.wording import wording

GIB = 2**30


@pytest.fixture
def stored(tmp_path):
    """Write bytes where a job's fetched copy would be, and return the path."""

    def write(content: bytes, name: str = "upload"):
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return write


@pytest.fixture(autouse=True)
def fresh_reader():
    """Each test starts without a reader and leaves none behind."""
    contained.stop_reader()
    yield
    contained.stop_reader()


def _readers() -> list[psutil.Process]:
    """This process's forked children (not the servers the tests started)."""
    me = psutil.Process()
    return [child for child in me.children() if child.cmdline() == me.cmdline()]


def _good(stored) -> object:
    return stored(xlsx_bytes({"S": [[7]]}), "good.xlsx")


def test_a_workbook_read_apart_gives_what_reading_it_here_gives(stored):
    path = stored(xlsx_bytes({"Sales": [["phones", 12.5], ["cases", 0.25]], "Notes": [["ok", 3]]}))
    apart, here = extract_contained(path, Limits(), GIB), extract(path, Limits())
    assert apart.total == here.total == Decimal("15.75")
    assert (apart.text, apart.numbers, apart.breakdown()) == (here.text, here.numbers, here.breakdown())


def test_one_reader_serves_file_after_file_and_holds_none_of_this_process_s_files(stored, tmp_path, app):
    from webapp.extensions import db

    with app.app_context(), open(tmp_path / "held", "w") as held:
        db.session.execute(db.text("SELECT 1"))  # a database connection open when the reader starts
        extract_contained(_good(stored), Limits(), GIB)
        (reader,) = _readers()
        for _ in range(3):
            assert extract_contained(_good(stored), Limits(), GIB).total == 7
        assert _readers() == [reader]
        mine = psutil.Process()
        assert held.name in {f.path for f in mine.open_files()} and mine.net_connections("all")
        assert held.name not in {f.path for f in reader.open_files()}
        assert len(reader.net_connections("all")) == 1  # its pipe to this process, nothing else
        assert len(mine.net_connections("all")) > 2
        db.session.remove()


def test_a_refused_file_gives_the_same_reason_as_in_place(stored):
    path = stored(b"<html><body>not a workbook</body></html>")
    with pytest.raises(ExtractionError) as here:
        extract(path, Limits())
    with pytest.raises(ExtractionError) as apart:
        extract_contained(path, Limits(), GIB)
    assert wording(apart.value).as_json() == wording(here.value).as_json()


def test_a_file_past_its_memory_cap_ends_only_the_reader_and_the_next_file_gets_a_new_one(stored):
    # Reading it would take ~670 MB: under a 256 MB allowance the reader cannot, and this process carries on.
    extract_contained(_good(stored), Limits(), GIB)
    (first,) = _readers()
    with pytest.raises((ReaderCrashed, MemoryError)):
        extract_contained(stored(far_cell_workbook("T1048576")), Limits(), 256 * 2**20)
    assert extract_contained(_good(stored), Limits(), GIB).total == 7
    assert [r.pid for r in _readers()] != [first.pid]


def test_the_allowance_is_per_file_not_for_the_reader_s_life(stored):
    # Many files under an allowance each one fits in, in one reader: none is refused for what came before.
    for _ in range(20):
        assert extract_contained(_good(stored), Limits(), 64 * 2**20).total == 7
    assert len(_readers()) == 1


def _slow_csv(stored):
    """About four million cells of CSV: seconds of reading."""
    return stored(csv_bytes([[str(i % 97) for i in range(20)]] * 200_000), "slow.csv")


def _signal_reader(number: int, sent: threading.Event) -> None:
    """Send a signal to the reader as soon as it runs."""
    deadline = time.monotonic() + 30
    while not _readers() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # into the read
    for reader in _readers():
        os.kill(reader.pid, number)
    sent.set()


def test_a_reader_killed_from_outside_says_so_so_the_job_is_retried(stored):
    path, sent = _slow_csv(stored), threading.Event()
    threading.Thread(target=_signal_reader, args=(signal.SIGKILL, sent), daemon=True).start()
    with pytest.raises(ReaderStopped):
        extract_contained(path, Limits(), GIB)
    assert sent.is_set()
    assert extract_contained(_good(stored), Limits(), GIB).total == 7


def test_a_shutdown_signal_to_the_reader_is_left_to_the_worker(stored):
    # A `docker stop` or a supervisor signals the whole group: the worker decides, the reader reads on.
    path, sent = _slow_csv(stored), threading.Event()
    threading.Thread(target=_signal_reader, args=(signal.SIGTERM, sent), daemon=True).start()
    assert extract_contained(path, Limits(), GIB).total > 0
    assert sent.is_set()


def test_a_job_past_its_time_limit_stops_its_reader(stored):
    path = _slow_csv(stored)
    with pytest.raises(JobTimeoutException), UnixSignalDeathPenalty(1, JobTimeoutException):
        extract_contained(path, Limits(), GIB)
    assert not _readers()
    assert extract_contained(_good(stored), Limits(), GIB).total == 7
