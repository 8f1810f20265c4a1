"""`flask backup …`: write one archive of the installation, and restore one into an empty installation."""

import time
from contextlib import ExitStack
from pathlib import Path

import click
from flask.cli import AppGroup

from webapp.accounts import events
from webapp.backup import archive, postgres
from webapp.backup.create import create_backup
from webapp.backup.restore import NotProven, Refused, restore_backup
from webapp.services.pipeline import storage

group = AppGroup("backup", help="Backup and restore commands.")


class _Progress:
    """Progress bars opened by the operation as it goes, closed when the command ends."""

    def __init__(self, stack: ExitStack):
        self.stack = stack

    def start(self, label: str, length: int):
        """Open a bar and return the function that advances it."""
        bar = self.stack.enter_context(click.progressbar(length=length, label=label, show_pos=length < 10_000,
                                                         show_percent=True))
        return bar.update


@group.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-files", is_flag=True, help="S3: leave the files in the bucket; the manifest lists their keys.")
def create(path: Path, no_files: bool) -> None:
    """Write one archive: the database (pg_dump), the stored files and a manifest with every part's sha256."""
    if path.exists():
        raise click.ClickException(f"{path} exists already; choose a new name, so no backup is overwritten.")
    started = time.monotonic()
    try:
        with ExitStack() as stack:
            made = create_backup(path, not no_files, _Progress(stack).start)
    except postgres.ToolsUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    except (postgres.DatabaseError, storage.StorageUnavailable, OSError) as exc:
        raise click.ClickException(f"The backup failed and was not written: {exc}") from exc
    events.backup_created(str(path))
    manifest = made.manifest
    click.echo(f"Wrote {path} ({path.stat().st_size:,} bytes) in {time.monotonic() - started:.1f} s: "
               f"{len(manifest['categories'])} categories, {sum(manifest['counts']['documents_by_status'].values())} "
               f"documents, {manifest['counts']['files']} files"
               + ("" if manifest["files_included"] else " (listed only: --no-files)") + ".")
    if made.left_out:
        click.echo(f"Warning: {len(made.left_out)} file(s) were missing or damaged in storage and are not in the "
                   "archive (`flask storage check` lists them).")


@group.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def restore(path: Path) -> None:
    """Restore an archive into this EMPTY installation, then prove totals, files and the search index."""
    started = time.monotonic()
    try:
        with ExitStack() as stack:
            restored = restore_backup(path, _Progress(stack).start)
    except Refused as exc:
        raise click.ClickException(str(exc)) from exc
    except (archive.DamagedArchive, postgres.DatabaseError, storage.StorageUnavailable) as exc:
        raise click.ClickException(f"The restore failed; the database was left as it was: {exc}") from exc
    except NotProven as exc:
        raise click.ClickException(f"The restore finished, but its result is not what the backup holds: {exc}") from exc
    events.backup_restored(str(path))
    manifest = restored.manifest
    click.echo(f"Restored {path} (made {manifest['created_at']}, schema {manifest['alembic_revision']}) in "
               f"{time.monotonic() - started:.1f} s: {len(manifest['categories'])} categories, "
               f"{restored.files_put} files into {storage.backend().describe()}.")
    click.echo(f"Proven: totals check is clean, every category total equals the backup's, and the search index was "
               f"rebuilt ({restored.indexed} documents). {restored.resumed} unfinished document(s) were queued again.")
    if restored.left_out:
        click.echo(f"Warning: {len(restored.left_out)} file(s) were not in the backup; `flask storage check` lists "
                   "their documents.")
