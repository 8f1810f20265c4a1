"""Restore a backup into an empty installation, then prove it: totals check clean, totals as in the manifest,
search rebuilt.

Everything that can refuse is checked before anything changes: the archive whole and unaltered, made by a schema
this code knows, the installation empty, the tools matching the server. Files go into the configured storage
first (content-addressed, so a file put twice is harmless); the database is then replaced in one transaction.
"""

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import text

from webapp import search
from webapp.backup import archive, postgres
from webapp.extensions import db
from webapp.models import Document, DocumentStatus
from webapp.services.pipeline import reconcile, storage, sweeper

Start = Callable[[str, int], Callable[[int], None]]
_TABLE_EXISTS = text("SELECT to_regclass(:name) IS NOT NULL")
_LEASES_OVER = text("UPDATE documents SET lease_until = now() WHERE status = 'processing' AND counted_at IS NULL")


class Refused(Exception):
    """The restore was refused before anything changed; the message says why."""


class NotProven(Exception):
    """The restore finished but its result differs from the manifest; the message says how."""


@dataclass
class Restored:
    """What was restored, and what happened afterwards."""

    manifest: dict
    files_put: int = 0
    indexed: int = 0
    resumed: int = 0
    left_out: list[str] = field(default_factory=list)


def restore_backup(source: Path, start: Start) -> Restored:
    """Restore the archive into this (empty) installation and prove the result; see the module's docstring."""
    manifest = _verified(source, start)
    tools = _tools_for(manifest)
    _refuse_unless_empty()
    if not manifest["files_included"]:
        _refuse_unless_stored(manifest["files"])
    with tempfile.TemporaryDirectory(prefix="workbooks-restore-") as scratch, archive.parts(source) as part:
        dump_path = Path(scratch) / archive.DATABASE
        with part(archive.DATABASE) as stream, dump_path.open("wb") as copy:
            while chunk := stream.read(2**20):
                copy.write(chunk)
        restored = Restored(manifest, left_out=list(manifest["files_left_out"]))
        if manifest["files_included"]:
            restored.files_put = _put_files(part, manifest, start)
        db.session.remove()
        postgres.restore(tools, db.engine.url.render_as_string(hide_password=False), dump_path)
    db.engine.dispose()  # connections made before the restore may hold plans of the old tables
    _compare_rows(manifest["counts"]["rows"])
    upgrade()
    _prove(manifest, restored, start)
    return restored


def _verified(source: Path, start: Start) -> dict:
    if not source.is_file():
        raise Refused(f"There is no backup at {source}.")
    try:
        manifest = archive.verify(source, start("Checking the archive", source.stat().st_size))
    except archive.DamagedArchive as exc:
        raise Refused(f"{exc} Nothing was restored.") from exc
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    try:
        script.get_revision(manifest["alembic_revision"])
    except CommandError as exc:
        raise Refused(f"This backup was made by a newer version of the application (schema "
                      f"{manifest['alembic_revision']}); upgrade this installation first. Nothing was restored.") from exc
    return manifest


def _tools_for(manifest: dict) -> postgres.Tools:
    try:
        tools = postgres.find_tools(postgres.server_major())
    except postgres.ToolsUnavailable as exc:
        raise Refused(f"{exc} Nothing was restored.") from exc
    if tools.major < manifest["postgres_major"]:
        raise Refused(f"This backup was dumped by PostgreSQL {manifest['postgres_major']} tools; this server is "
                      f"PostgreSQL {tools.major}. Restore it into PostgreSQL {manifest['postgres_major']} or newer.")
    return tools


def _refuse_unless_empty() -> None:
    """Refuse an installation that holds categories or documents (accounts alone are replaced)."""
    for table in ("categories", "documents"):
        if db.session.execute(_TABLE_EXISTS, {"name": f"public.{table}"}).scalar():
            if db.session.execute(text(f"SELECT EXISTS (SELECT 1 FROM {table})")).scalar():
                db.session.rollback()
                raise Refused(
                    f"This installation already holds {table}: a backup is restored only into an empty installation, "
                    "so nothing is overwritten. Nothing was restored."
                )
    db.session.rollback()


def _refuse_unless_stored(files: dict[str, int]) -> None:
    """An archive made with --no-files restores only where its files already are (the same bucket)."""
    missing = [sha256 for sha256, size in files.items() if storage.size_of(sha256) != size]
    if missing:
        raise Refused(
            f"This backup holds no files (it was made with --no-files), and {len(missing)} of its {len(files)} files "
            f"are not in {storage.backend().describe()}. Restore into the installation that has them, or use a "
            "backup with files. Nothing was restored."
        )


def _put_files(part, manifest: dict, start: Start) -> int:
    skip = set(manifest["files_left_out"])
    files = {sha256: size for sha256, size in manifest["files"].items() if sha256 not in skip}
    advance = start(f"Putting files into {storage.backend().describe()}", len(files))
    for sha256 in files:
        if storage.size_of(sha256) != files[sha256]:
            with part(archive.file_part(sha256)) as stream:
                spooled, digest, _ = storage.spool(stream, durable=False)
            if digest != sha256:  # verified a moment ago; a disk that changed it since must not store it
                storage.discard(spooled)
                raise Refused(f"The file {sha256} changed while it was read. Nothing was restored to the database.")
            storage.keep(spooled, sha256)
        advance(1)
    os.sync()  # every file on disk before the database that names them is restored
    return len(files)


def _compare_rows(expected: dict[str, int]) -> None:
    for table, count in sorted(expected.items()):
        found = db.session.execute(text(f'SELECT count(*) FROM public."{table}"')).scalar()
        if found != count:
            raise NotProven(f"The table {table} holds {found} rows after the restore; the manifest says {count}.")
    db.session.rollback()


def _prove(manifest: dict, restored: Restored, start: Start) -> None:
    """Totals check clean, every total as the manifest says, the search index rebuilt from the restored rows."""
    differences = reconcile.differences() + reconcile.ledger_differences()
    if differences:
        raise NotProven("Totals check found differences after the restore: "
                        + "; ".join(d.describe() for d in differences))
    totals = {row.name: row.total for row in db.session.execute(text("SELECT name, total FROM categories"))}
    db.session.rollback()
    for category in manifest["categories"]:
        if totals.get(category["name"]) != Decimal(category["total"]):
            raise NotProven(f"The total of {category['name']} is {totals.get(category['name'])} after the restore; "
                            f"the manifest says {category['total']}.")
    ids = list(db.session.scalars(db.select(Document.id).where(Document.status == DocumentStatus.DONE)
                                  .order_by(Document.id)))
    db.session.rollback()
    restored.indexed = search.rebuild(ids, start("Rebuilding the search index", len(ids)))
    if not search.differences().clean:
        raise NotProven("The search index does not match the restored documents; run `flask search reindex`.")
    # Files left queued or half-processed in the archive go back to this installation's queue: no worker here holds
    # the lease a document had when the backup was taken.
    db.session.execute(_LEASES_OVER)
    db.session.commit()
    restored.resumed = sweeper.resume_documents(grace_seconds=0)
