"""Content-addressed file storage: a file's name is the sha256 of its bytes."""

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from flask import current_app

_CHUNK = 1024 * 1024


def _root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def path_for(sha256: str) -> Path:
    """Return where the file with this digest lives."""
    return _root() / sha256[:2] / sha256[2:4] / sha256


def spool(stream: BinaryIO) -> tuple[Path, str, int]:
    """Copy an upload to a temporary file beside the store; return its path, sha256 and size."""
    if not _root().is_dir():
        _root().mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle = tempfile.NamedTemporaryFile(dir=_root(), prefix=".upload-", delete=False)
    with handle:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    return Path(handle.name), digest.hexdigest(), size


def keep(spooled: Path, sha256: str) -> Path:
    """Move a spooled file to its content address (atomic; an existing copy is kept)."""
    target = path_for(sha256)
    if not target.parent.is_dir():  # a stat; mkdir of an existing folder cost ~1 ms an upload
        target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        spooled.unlink(missing_ok=True)
    else:
        os.replace(spooled, target)
    return target


def discard(spooled: Path) -> None:
    """Remove a spooled file that was refused."""
    spooled.unlink(missing_ok=True)
