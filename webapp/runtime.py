"""The runtime file: while `make run` runs, it names the settings its processes got, so `flask …` finds its servers.

It lives at instance/runtime.json, readable only by its owner (it holds the servers' credentials), and is removed
when `make run` stops. A file left behind by a runner that was killed names a process that is gone, and is ignored.
"""

import json
import os
from pathlib import Path


def read(path: Path) -> dict | None:
    """Return what a live runner wrote ({"pid", "settings"}), or None if no runner is running for this folder."""
    try:
        written = json.loads(path.read_text())
        return written if _alive(int(written["pid"])) and isinstance(written["settings"], dict) else None
    except (OSError, ValueError, KeyError, TypeError):  # no file, or a damaged one
        return None


def write(path: Path, settings: dict[str, str]) -> None:
    """Name this process's settings for commands run beside it (atomic, owner-only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({"pid": os.getpid(), "settings": settings}, handle, indent=2)
    os.replace(partial, path)


def remove(path: Path) -> None:
    """Remove the file if this process wrote it."""
    written = read(path)
    if written is not None and written["pid"] == os.getpid():
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except PermissionError:  # another user's process
        return True
    except ProcessLookupError:
        return False
    return True
