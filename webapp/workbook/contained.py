"""Read a workbook in a forked child under a memory cap, so a hostile file can only ever take down that child.

The worker runs its jobs in its own process (warm connections, nothing forked per job); only the read, the part
a file decides, runs apart. The child sends back the Extraction, or the ExtractionError / MemoryError it raised.
"""

import contextlib
import ctypes
import gc
import multiprocessing
import os
import resource
import signal
import traceback
from multiprocessing.connection import Connection
from os import PathLike
from typing import NoReturn

from webapp.workbook.extract import Extraction, Limits, extract
from webapp.workbook.limits import ExtractionError

# Signals that come from outside (an operator, a deploy, the kernel's OOM killer): they say nothing about the file.
_FROM_OUTSIDE = frozenset({signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
_FORK = multiprocessing.get_context("fork")
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class ReaderCrashed(Exception):
    """The reader died on its own (an allocation refused under the cap, a crash in a native reader): the file did it."""


class ReaderStopped(Exception):
    """The reader was killed from outside: the file may be fine, so the job is retried."""


class ReaderFailed(Exception):
    """The reader raised an error of its own (a bug, not a refusal): the job fails and is retried, as before."""


def extract_contained(path: str | PathLike, limits: Limits, memory_bytes: int) -> Extraction:
    """Read the workbook at `path` in a child process that may map at most `memory_bytes` more than it started with."""
    receiving, sending = _FORK.Pipe(duplex=False)
    child = _FORK.Process(target=_read, args=(sending, path, limits, memory_bytes, os.getpid()), daemon=True)
    gc.freeze()  # the child's collections skip this process's objects instead of copying their pages
    try:
        child.start()
    finally:
        gc.unfreeze()
    sending.close()
    try:
        try:
            outcome, value = receiving.recv()
        except EOFError:  # died before it could answer
            outcome, value = None, None
        child.join()
        code = child.exitcode
    finally:  # also when the job's time limit (or a shutdown) interrupts the wait
        receiving.close()
        if child.exitcode is None:
            child.kill()
            child.join()
        child.close()
    if outcome == "read":
        return value
    if outcome == "refused":
        raise value
    if outcome == "memory":
        raise MemoryError("the workbook needs more memory than one file is allowed")
    if outcome == "failed":
        raise ReaderFailed(value)
    _died(code)


def _died(code: int) -> NoReturn:
    """Raise what a reader's death without an answer says: killed from outside, or the file crashed it."""
    ended = _signal_name(-code) if code < 0 else f"exit code {code}"
    if code < 0 and -code in _FROM_OUTSIDE:
        raise ReaderStopped(f"the reader was stopped by {ended}")
    raise ReaderCrashed(f"the reader ended with {ended}")


def _die_with(worker: int) -> None:
    """Have Linux kill this reader if the worker dies (SIGKILL leaves no one to wait for it), or end now if it has."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != worker:
        os._exit(1)


def _mapped_bytes() -> int:
    """This process's address space now (Linux's /proc; elsewhere 0, so the cap is on the whole process)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _read(sending: Connection, path, limits: Limits, memory_bytes: int, worker: int) -> None:
    """In the child: cap memory, read, and send what happened; a shutdown of the worker is the worker's to handle."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(worker)
    allowed = _mapped_bytes() + memory_bytes  # what the file may add to what the worker already maps
    resource.setrlimit(resource.RLIMIT_AS, (allowed, allowed))
    try:
        answer = ("read", extract(path, limits))
    except ExtractionError as exc:
        answer = ("refused", exc)
    except MemoryError:
        answer = ("memory", None)
    except Exception:  # noqa: BLE001 - sent back whole, so the worker's log shows where the reader broke
        answer = ("failed", traceback.format_exc())
    try:
        sending.send(answer)
    except MemoryError:  # the result itself does not fit under the cap
        sending.send(("memory", None))
