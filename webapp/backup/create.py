"""Make a backup of a running installation: the database as of one snapshot, the files it names, a manifest."""

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from webapp.backup import archive, postgres
from webapp.extensions import db
from webapp.services.pipeline import storage
from webapp.version import __version__

# Read in the snapshot the dump is taken from, so the manifest describes exactly what the archive holds.
_REVISION = text("SELECT version_num FROM alembic_version")
_CATEGORIES = text("""
    SELECT name, region, type, total::text AS total, documents FROM categories ORDER BY lower(name)
""")
_FILES = text("SELECT sha256, max(size) AS size FROM documents GROUP BY sha256 ORDER BY sha256")
_TABLES = text("""
    SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' ORDER BY tablename
""")
_STATUSES = text("SELECT status, count(*) FROM documents GROUP BY status ORDER BY status")


@dataclass
class Created:
    """What a backup holds, and the files it could not include."""

    path: Path
    manifest: dict
    left_out: list[str] = field(default_factory=list)


@dataclass
class _Snapshot:
    revision: str
    categories: list[dict]
    files: dict[str, int]
    rows: dict[str, int]
    statuses: dict[str, int]


def create_backup(target: Path, include_files: bool, start: Callable[[str, int], Callable[[int], None]]) -> Created:
    """Write one archive of the database and (unless told not to) every stored file it references.

    `start(label, length)` begins a progress report and returns the function that advances it.
    """
    tools = postgres.find_tools(postgres.server_major())
    with tempfile.TemporaryDirectory(prefix="workbooks-backup-") as scratch:
        dump_path = Path(scratch) / archive.DATABASE
        dumped = start("Dumping the database (pg_dump)", 1)
        snapshot = _dump(tools, dump_path)
        dumped(1)
        writer = archive.Writer(target)
        try:
            writer.add_file(archive.DATABASE, dump_path)
            left_out = _add_files(writer, snapshot.files, start) if include_files else []
            manifest = _manifest(snapshot, tools, include_files, left_out)
            writer.finish(manifest)
        except BaseException:
            writer.abandon()
            raise
    return Created(target, manifest, left_out)


def _dump(tools: postgres.Tools, target: Path) -> _Snapshot:
    """Dump the database from an exported snapshot and read the manifest's facts in that same snapshot."""
    url = db.engine.url.render_as_string(hide_password=False)
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            exported = connection.execute(text("SELECT pg_export_snapshot()")).scalar()
            snapshot = _read(connection)
            postgres.dump(tools, url, exported, target)
    return snapshot


def _read(connection) -> _Snapshot:
    tables = connection.execute(_TABLES).scalars().all()
    rows = {name: connection.execute(text(f'SELECT count(*) FROM public."{name}"')).scalar() for name in tables}
    return _Snapshot(
        revision=connection.execute(_REVISION).scalar(),
        categories=[dict(row._mapping) for row in connection.execute(_CATEGORIES)],
        files={row.sha256: row.size for row in connection.execute(_FILES)},
        rows=rows,
        statuses=dict(connection.execute(_STATUSES).all()),
    )


def _add_files(writer: archive.Writer, files: dict[str, int], start) -> list[str]:
    """Copy every referenced file into the archive; return those missing or damaged in storage."""
    left_out = []
    advance = start("Copying files into the archive", sum(files.values()))
    for sha256, size in files.items():
        try:
            stream, stored_size = storage.open_original(sha256)
        except storage.ObjectMissing:
            left_out.append(sha256)
            advance(size)
            continue
        try:
            if stored_size != size or writer.add_stream(archive.file_part(sha256), stream, stored_size) != sha256:
                left_out.append(sha256)  # a part whose bytes are not its name is listed, never restored
        finally:
            stream.close()
        advance(size)
    return left_out


def _manifest(snapshot: _Snapshot, tools: postgres.Tools, include_files: bool, left_out: list[str]) -> dict:
    return {
        "app_version": __version__,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "alembic_revision": snapshot.revision,
        "postgres_major": tools.major,
        "storage": storage.backend().describe(),
        "files_included": include_files,
        "counts": {"rows": snapshot.rows, "documents_by_status": snapshot.statuses, "files": len(snapshot.files)},
        "categories": snapshot.categories,
        "files": snapshot.files,
        "files_left_out": left_out,
    }
