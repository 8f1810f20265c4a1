"""Compare the files the documents name with what the store holds; copy a local store into the S3 bucket."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from webapp.extensions import db
from webapp.services.pipeline import storage
from webapp.services.pipeline.storage import LocalStorage

_DOCUMENTS = text("SELECT id, filename, sha256, size FROM documents ORDER BY id")


@dataclass
class StorageDifferences:
    """Documents whose file is missing or of the wrong size, and stored files no document uses."""

    missing: list = field(default_factory=list)
    wrong_size: list = field(default_factory=list)
    unreferenced: list[tuple[str, int]] = field(default_factory=list)
    documents: int = 0
    stored: int = 0

    @property
    def clean(self) -> bool:
        """Tell whether every document's file is there, the right size, and nothing else is stored."""
        return not (self.missing or self.wrong_size or self.unreferenced)


def differences() -> StorageDifferences:
    """Check every document's file in the store; raise StorageUnavailable if the store does not answer."""
    # The store is listed before the documents are read: a file uploaded in between is seen with its row.
    stored = dict(storage.objects())
    rows = db.session.execute(_DOCUMENTS).all()
    db.session.rollback()
    found = StorageDifferences(documents=len(rows), stored=len(stored))
    for row in rows:
        size = stored.get(row.sha256)
        if size is None:
            found.missing.append(row)
        elif size != row.size:
            found.wrong_size.append((row, size))
    used = {row.sha256 for row in rows}
    found.unreferenced = sorted((sha256, size) for sha256, size in stored.items() if sha256 not in used)
    return found


class NotS3(Exception):
    """The installation has no S3 bucket configured to copy files into."""


@dataclass
class Copied:
    """What a copy into the bucket did."""

    copied: int = 0
    already_there: int = 0
    bytes_copied: int = 0
    damaged: list[str] = field(default_factory=list)


def local_files() -> list[tuple[str, int]]:
    """List the files kept in the local folder (UPLOAD_FOLDER)."""
    return list(LocalStorage(Path(current_app.config["UPLOAD_FOLDER"])).objects())


def uses_s3() -> bool:
    """Tell whether the installation keeps its files in an S3 bucket."""
    try:
        bucket()
    except NotS3:
        return False
    return True


def bucket():
    """Return the configured S3 store, or raise NotS3 saying how to configure one."""
    from webapp.services.pipeline.storage_s3 import S3Storage

    target = storage.backend()
    if not isinstance(target, S3Storage):
        raise NotS3("No S3 bucket is configured: set S3_BUCKET (and S3_ENDPOINT_URL for a server other than AWS), "
                    "or start `make run S3=1`, then run this again.")
    return target


def copy_to_s3(files: list[tuple[str, int]], progress: Callable[[int], None]) -> Copied:
    """Copy local files into the bucket, verifying each copy's sha256; files already there are left alone."""
    target = bucket()
    source = LocalStorage(Path(current_app.config["UPLOAD_FOLDER"]))
    in_bucket = dict(target.objects())
    result = Copied()
    for sha256, size in files:
        if in_bucket.get(sha256) == size:
            result.already_there += 1
        elif _copy_verified(source, target, sha256):
            result.copied += 1
            result.bytes_copied += size
        else:
            result.damaged.append(sha256)
        progress(1)
    return result


def _copy_verified(source: LocalStorage, target, sha256: str) -> bool:
    """Copy one file whose bytes match its name, and read the copy back to prove it; False if either differs."""
    path = source.path_for(sha256)
    with path.open("rb") as handle:
        if storage.sha256_of(handle) != sha256:
            return False
    target.upload(path, sha256)
    stream, _ = target.open(sha256)
    with stream:
        if storage.sha256_of(stream) == sha256:
            return True
    target.delete(sha256)
    return False
