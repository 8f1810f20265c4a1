"""Read workbooks in a reader process of their own, capped per file, so a hostile file can only take that process down.

The worker runs its jobs in its own process (warm connections, nothing forked per job); only the read, the part a
file decides, runs apart. Forking costs more than reading a small workbook (8 ms for the worker's 90 MB here), so one
reader serves file after file: before each read it caps its address space at what it maps then plus the file's
allowance (JOB_MEMORY_MB), and it is replaced when it dies (a file crashed it or broke the cap), when a job's time
limit or a shutdown interrupts a read, and when it has grown (what a file leaves behind never shrinks the next one's
allowance). It holds none of the worker's connections: it closes every inherited descriptor but its pipe.
"""

import atexit
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
# A reader that maps this much more than when it started is replaced after its answer.
GROWTH_LIMIT = 256 * 2**20


class ReaderCrashed(Exception):
    """The reader died on its own (an allocation refused under the cap, a crash in a native reader): the file did it."""


class ReaderStopped(Exception):
    """The reader was killed from outside: the file may be fine, so the job is retried."""


class ReaderFailed(Exception):
    """The reader raised an error of its own (a bug, not a refusal): the job fails and is retried."""


class _Reader:
    """One reader process, forked from this one, and the pipe to it."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.pipe, theirs = _FORK.Pipe()
        self.process = _FORK.Process(target=_serve, args=(theirs, self.owner), name="workbook-reader", daemon=True)
        gc.freeze()  # the reader's collections skip this process's objects instead of copying their pages
        try:
            self.process.start()
        finally:
            gc.unfreeze()
        theirs.close()

    def ask(self, path: str, limits: Limits, memory_bytes: int) -> tuple[str, object, bool]:
        """Send one file to read; return (outcome, value, retiring), or raise EOFError if the reader died."""
        self.pipe.send((path, limits, memory_bytes))
        return self.pipe.recv()

    def end(self) -> int:
        """Stop the reader (killed if still running) and return how it ended."""
        self.pipe.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        code = self.process.exitcode
        self.process.close()
        return code


_reader: _Reader | None = None


def extract_contained(path: str | PathLike, limits: Limits, memory_bytes: int) -> Extraction:
    """Read the workbook at `path` in the reader, which may map at most `memory_bytes` more for it."""
    global _reader
    if _reader is None or _reader.owner != os.getpid():  # none yet, or this process is a fork of its owner
        _reader = _Reader()
    reader = _reader
    try:
        outcome, value, retiring = reader.ask(os.fspath(path), limits, memory_bytes)
    except (EOFError, OSError):  # died in the read, without an answer
        _reader = None
        _died(reader.end())
    except BaseException:  # the job's time limit or a shutdown interrupted the read: that reader is done
        _reader = None
        reader.end()
        raise
    if retiring:
        _reader = None
        reader.end()
    if outcome == "read":
        return value
    if outcome == "refused":
        raise value
    if outcome == "memory":
        raise MemoryError("the workbook needs more memory than one file is allowed")
    raise ReaderFailed(value)


def stop_reader() -> None:
    """End the reader, if any (at exit: it ignores SIGTERM, which multiprocessing would send and then wait on)."""
    global _reader
    if _reader is not None and _reader.owner == os.getpid():
        _reader.end()
    _reader = None


atexit.register(stop_reader)  # after multiprocessing's own exit hook was registered, so it runs before it


def _died(code: int) -> NoReturn:
    """Raise what a reader's death without an answer says: killed from outside, or the file crashed it."""
    ended = _signal_name(-code) if code < 0 else f"exit code {code}"
    if code < 0 and -code in _FROM_OUTSIDE:
        raise ReaderStopped(f"the reader was stopped by {ended}")
    raise ReaderCrashed(f"the reader ended with {ended}")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _serve(pipe: Connection, owner: int) -> None:
    """In the reader: read file after file, each under its own cap, until the owner closes the pipe or dies."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a shutdown is the worker's to handle; it ends the reader
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):  # Linux: die with the worker, even when it is SIGKILLed
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != owner:
        return
    keep = pipe.fileno()
    os.closerange(3, keep)  # the worker's sockets and files: a copy held here would keep them open
    os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
    started, (_, hard) = _mapped_bytes(), resource.getrlimit(resource.RLIMIT_AS)
    while True:
        try:
            path, limits, memory_bytes = pipe.recv()
        except EOFError:
            return
        resource.setrlimit(resource.RLIMIT_AS, (_capped(_mapped_bytes() + memory_bytes, hard), hard))
        outcome, value = _read(path, limits)
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        retiring = outcome == "memory" or _mapped_bytes() - started > GROWTH_LIMIT
        try:
            pipe.send((outcome, value, retiring))
        except MemoryError:
            pipe.send(("memory", None, True))
            return
        if retiring:
            return


def _read(path: str, limits: Limits) -> tuple[str, object]:
    try:
        return "read", extract(path, limits)
    except ExtractionError as exc:
        return "refused", exc
    except MemoryError:
        return "memory", None
    except Exception:  # noqa: BLE001 - sent back whole, so the worker's log shows where the reader broke
        return "failed", traceback.format_exc()


def _capped(limit: int, hard: int) -> int:
    return limit if hard == resource.RLIM_INFINITY else min(limit, hard)


def _mapped_bytes() -> int:
    """This process's address space now (Linux's /proc; elsewhere 0, so the cap is on the whole process)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0
