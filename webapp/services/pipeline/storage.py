"""Content-addressed file storage: each file is kept under the sha256 of its bytes, in a local folder or an S3 bucket.

`backend()` is the app's store, chosen by configuration: S3 (through boto3) when S3_BUCKET is set, else the
folder UPLOAD_FOLDER. Both answer the same small interface; the module functions below speak to the live one.
"""

import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import BinaryIO

from flask import current_app

# What both backends share (keys, temporary copies' names, the two failures), named here for every caller.
from webapp.services.pipeline.storage_contract import (
    DIGEST,
    FETCH_PREFIX,
    UPLOAD_PREFIX,
    ObjectMissing,
    StorageUnavailable,
)

_CHUNK = 1024 * 1024


class LocalStorage:
    """Files in one folder, under two levels of sub-folders named by the digest's first characters."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def describe(self) -> str:
        """Say where the files are, for operators."""
        return f"the folder {self.root}"

    def path_for(self, sha256: str) -> Path:
        """Return where the file with this digest lives."""
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def spool_dir(self) -> Path:
        """Spool beside the store, so keeping a file is a rename."""
        if not self.root.is_dir():
            self.root.mkdir(parents=True, exist_ok=True)
        return self.root

    def keep(self, spooled: Path, sha256: str) -> None:
        """Move a spooled file to its content address (atomic; an existing copy is kept)."""
        target = self.path_for(sha256)
        if not target.parent.is_dir():  # a stat; mkdir of an existing folder cost ~1 ms an upload
            target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            spooled.unlink(missing_ok=True)
        else:
            os.replace(spooled, target)

    @contextmanager
    def fetched(self, sha256: str) -> Iterator[Path]:
        """Yield the stored file itself: it is already on this machine."""
        path = self.path_for(sha256)
        if not path.is_file():
            raise ObjectMissing(sha256)
        yield path

    def open(self, sha256: str) -> tuple[BinaryIO, int]:
        """Open the stored file for reading; return it with its size."""
        try:
            handle = self.path_for(sha256).open("rb")
        except FileNotFoundError as exc:
            raise ObjectMissing(sha256) from exc
        return handle, os.fstat(handle.fileno()).st_size

    def size(self, sha256: str) -> int | None:
        """Return the stored file's size, or None if there is none."""
        try:
            return self.path_for(sha256).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, sha256: str) -> None:
        """Remove the stored file, if there is one."""
        self.path_for(sha256).unlink(missing_ok=True)

    def objects(self) -> Iterator[tuple[str, int]]:
        """Yield (digest, size) of every stored file."""
        for path in sorted(self.root.glob("??/??/*")):
            if DIGEST.fullmatch(path.name) and path.is_file():
                yield path.name, path.stat().st_size

    def ping(self) -> bool:
        """Tell whether the folder can be written to."""
        return os.access(self.spool_dir(), os.W_OK)


def backend():
    """Return the app's file store (one per process: boto3's connections must not cross a fork)."""
    cached = current_app.extensions.get("storage")
    if cached is None or cached[0] != os.getpid():
        cached = (os.getpid(), from_config(current_app.config))
        current_app.extensions["storage"] = cached
    return cached[1]


def from_config(config) -> "LocalStorage":
    """Build the store a configuration names: the S3 bucket when S3_BUCKET is set, else the upload folder."""
    if config.get("S3_BUCKET"):
        from webapp.services.pipeline.storage_s3 import S3Storage

        return S3Storage.from_config(config)
    return LocalStorage(Path(config["UPLOAD_FOLDER"]))


def spool(stream: BinaryIO, into: Path | None = None, durable: bool = True) -> tuple[Path, str, int]:
    """Copy a stream to a temporary file in chunks (never whole in memory); return its path, sha256 and size.

    durable: on disk before this returns (an upload is acknowledged right after); a restore syncs once at its end.
    """
    digest = hashlib.sha256()
    size = 0
    folder = into or backend().spool_dir()
    handle = tempfile.NamedTemporaryFile(dir=folder, prefix=UPLOAD_PREFIX, delete=False)
    with handle:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            handle.write(chunk)
        handle.flush()
        if durable:
            os.fsync(handle.fileno())
    return Path(handle.name), digest.hexdigest(), size


def keep(spooled: Path, sha256: str) -> None:
    """Store a spooled file under its digest and remove the spool; raise StorageUnavailable if the store is away."""
    backend().keep(spooled, sha256)


def discard(spooled: Path) -> None:
    """Remove a spooled file that was refused."""
    spooled.unlink(missing_ok=True)


def fetched(sha256: str) -> AbstractContextManager[Path]:
    """Give a local path to the stored file for the length of a `with` block (a temporary copy is removed after)."""
    return backend().fetched(sha256)


def open_original(sha256: str) -> tuple[BinaryIO, int]:
    """Open the stored file as a stream (nothing is read yet); return it with its size."""
    return backend().open(sha256)


def size_of(sha256: str) -> int | None:
    """Return the stored file's size, or None when it is missing."""
    return backend().size(sha256)


def delete(sha256: str) -> None:
    """Remove the stored file with this digest (callers make sure no document uses it)."""
    backend().delete(sha256)


def objects() -> Iterator[tuple[str, int]]:
    """Yield (digest, size) of every stored file."""
    return backend().objects()


def status() -> str:
    """Return 'ok' or a short reason, for /healthz."""
    try:
        return "ok" if backend().ping() else "down"
    except (StorageUnavailable, OSError) as exc:
        return f"down: {exc}"


def sha256_of(stream: BinaryIO) -> str:
    """Return the sha256 of everything left in a stream, read in chunks."""
    digest = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def remove_stale_copies(older_than_seconds: float) -> int:
    """Delete temporary copies a killed process left in the temp folder; return how many."""
    cutoff = time.time() - older_than_seconds
    removed = 0
    for prefix in (UPLOAD_PREFIX, FETCH_PREFIX):
        for path in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
    return removed
