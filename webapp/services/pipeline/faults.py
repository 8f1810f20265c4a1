"""Test-only fault injection: kill or hold a job at a named point. Does nothing unless FAULT_INJECT is set.

FAULT_INJECT="after_commit:kill" SIGKILLs the process right after the count is committed (before the queue
records success); "before_count:sleep=1.5" holds the job there for 1.5 s. FAULT_ONCE=<path> makes the fault
fire only once across all processes: the first process to create that file wins. tests/test_faults*.py use it.
"""

import os
import signal
import time

from flask import current_app

POINTS = ("after_claim", "before_count", "after_commit", "before_replace")


def point(name: str) -> None:
    """Kill or pause this process here when FAULT_INJECT names this point."""
    spec = current_app.config["FAULT_INJECT"]
    if not spec:
        return
    where, _, action = spec.partition(":")
    if where != name or not _first_time():
        return
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action.startswith("sleep="):
        time.sleep(float(action.removeprefix("sleep=")))


def _first_time() -> bool:
    marker = current_app.config["FAULT_ONCE"]
    if not marker:
        return True
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True
