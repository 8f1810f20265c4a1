"""The backup archive: one tar holding database.dump, files/<sha256> and, last, manifest.json.

The manifest names every other part with its size and sha256, so a restore can prove the archive whole and
unaltered before it changes anything. Written last, its absence also shows an archive that was cut short.
"""

import hashlib
import io
import json
import os
import re
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

FORMAT = 1
MANIFEST, DATABASE = "manifest.json", "database.dump"
_FILE_PART = re.compile(r"files/([0-9a-f]{64})")
_CHUNK = 1024 * 1024

Progress = Callable[[int], None]


class DamagedArchive(Exception):
    """The archive is cut short, altered, or not a backup of this application."""


def file_part(sha256: str) -> str:
    """Return the name a stored file has inside the archive."""
    return f"files/{sha256}"


class _Hashing:
    """Read a stream through, adding up its sha256 and size."""

    def __init__(self, stream: BinaryIO):
        self.stream, self.digest, self.size = stream, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        """Read from the stream, hashing what passes."""
        data = self.stream.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


class Writer:
    """Write an archive beside its final name, renamed into place only when the manifest is in."""

    def __init__(self, target: Path):
        self.target = target
        self.partial = target.with_name(f".{target.name}.partial")
        self._tar = tarfile.open(self.partial, "w")
        self.parts: dict[str, dict] = {}

    def add_file(self, name: str, path: Path) -> None:
        """Add a file from disk as a part."""
        with path.open("rb") as handle:
            self.add_stream(name, handle, os.fstat(handle.fileno()).st_size)

    def add_stream(self, name: str, stream: BinaryIO, size: int) -> str:
        """Add `size` bytes read from a stream as a part; return their sha256."""
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(time.time()), 0o600
        hashing = _Hashing(stream)
        self._tar.addfile(info, hashing)
        digest = hashing.digest.hexdigest()
        self.parts[name] = {"size": size, "sha256": digest}
        return digest

    def finish(self, manifest: dict) -> None:
        """Write the manifest (naming every part) and put the archive in place."""
        body = json.dumps({**manifest, "format": FORMAT, "parts": self.parts}, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(body), int(time.time()), 0o600
        self._tar.addfile(info, io.BytesIO(body))
        self._tar.close()
        os.replace(self.partial, self.target)

    def abandon(self) -> None:
        """Remove the half-written archive."""
        self._tar.close()
        self.partial.unlink(missing_ok=True)


def verify(source: Path, progress: Progress) -> dict:
    """Read the whole archive and return its manifest, or raise DamagedArchive saying what is wrong."""
    found: dict[str, dict] = {}
    manifest = None
    try:
        with tarfile.open(source, "r:") as tar:
            for member in tar:
                _allowed(member, found)
                handle = tar.extractfile(member)
                if member.name == MANIFEST:
                    manifest = json.loads(handle.read())
                else:
                    found[member.name] = {"size": member.size, "sha256": _digest(handle, progress)}
    except (tarfile.TarError, EOFError, ValueError, UnicodeDecodeError) as exc:
        raise DamagedArchive(f"{source} is damaged or cut short ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DamagedArchive(f"{source} has no manifest: it is cut short, or not a backup made by `flask backup create`.")
    _compare(manifest.get("parts", {}), found)
    _check_names(manifest)
    return manifest


_DIGEST = re.compile(r"[0-9a-f]{64}")
_TABLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _check_names(manifest: dict) -> None:
    """The manifest is read as data, never trusted as names: digests and table names must look like them."""
    try:
        names_ok = (all(_DIGEST.fullmatch(key) and isinstance(size, int) for key, size in manifest["files"].items())
                    and all(_DIGEST.fullmatch(key) for key in manifest["files_left_out"])
                    and all(_TABLE.fullmatch(name) for name in manifest["counts"]["rows"])
                    and all(isinstance(c["name"], str) and isinstance(c["total"], str) for c in manifest["categories"]))
    except (KeyError, TypeError, AttributeError) as exc:
        raise DamagedArchive(f"The manifest lacks {exc}: it was altered, or is not a backup's.") from exc
    if not names_ok:
        raise DamagedArchive("The manifest names files or tables that no backup would: it was altered.")


def _allowed(member: tarfile.TarInfo, found: dict) -> None:
    if not member.isfile() or not (member.name in (MANIFEST, DATABASE) or _FILE_PART.fullmatch(member.name)):
        raise DamagedArchive(f"The archive holds “{member.name}”, which no backup contains.")
    if member.name in found:
        raise DamagedArchive(f"The archive holds “{member.name}” twice.")


def _digest(stream: BinaryIO, progress: Progress) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
        progress(len(chunk))
    return digest.hexdigest()


def _compare(listed: dict, found: dict) -> None:
    for name, part in sorted(listed.items()):
        if name not in found:
            raise DamagedArchive(f"The archive lacks “{name}”, which its manifest lists.")
        if found[name] != part:
            raise DamagedArchive(f"“{name}” in the archive does not match its manifest: it was altered or damaged.")
    extra = sorted(set(found) - set(listed))
    if extra:
        raise DamagedArchive(f"The archive holds “{extra[0]}”, which its manifest does not list.")


@contextmanager
def parts(source: Path) -> Iterator[Callable[[str], BinaryIO]]:
    """Open a verified archive and yield a function that opens one part by name."""
    with tarfile.open(source, "r:") as tar:
        yield lambda name: tar.extractfile(tar.getmember(name))
