"""`flask storage …`: check that every document's file is stored, and copy a local store into an S3 bucket."""

import click
from flask.cli import AppGroup

from webapp.services.pipeline import inventory, removal, storage

group = AppGroup("storage", help="File storage commands.")

# Files listed per kind of problem; the count is always given in full.
SHOWN = 20


def _list(label: str, lines: list[str]) -> None:
    if lines:
        click.echo(f"{len(lines)} {label}:")
        for line in lines[:SHOWN]:
            click.echo(f"  {line}")
        if len(lines) > SHOWN:
            click.echo(f"  … and {len(lines) - SHOWN} more")


@group.command("check")
@click.option("--remove-unreferenced", is_flag=True, help="Delete the stored files that no document uses.")
def check(remove_unreferenced: bool) -> None:
    """Check that every document's file is stored with the right size, and find files no document uses; exit 1 on a problem."""
    where = storage.backend().describe()
    try:
        found = inventory.differences()
    except storage.StorageUnavailable as exc:
        raise click.ClickException(f"The file store ({where}) is not answering, so nothing was checked: {exc}") from exc
    _list("document(s) whose file is missing", [f"#{r.id} {r.filename} ({r.sha256})" for r in found.missing])
    _list("document(s) whose stored file has the wrong size",
          [f"#{r.id} {r.filename}: {size:,} bytes stored, {r.size:,} uploaded" for r, size in found.wrong_size])
    unreferenced = [f"{sha256} ({size:,} bytes)" for sha256, size in found.unreferenced]
    if remove_unreferenced and unreferenced:
        removed = sum(removal.remove_unused_file(sha256) for sha256, _ in found.unreferenced)
        click.echo(f"Removed {removed} stored file(s) that no document uses.")
        found.unreferenced = []
    else:
        _list("stored file(s) that no document uses", unreferenced)
    local = {sha256 for sha256, _ in inventory.local_files()} if found.missing and inventory.uses_s3() else set()
    if local & {row.sha256 for row in found.missing}:
        click.echo("Files missing from the bucket are in the local folder: `flask storage migrate --to s3` copies them.")
    elif found.missing or found.wrong_size:
        click.echo("A missing file cannot be recreated here: restore it from a backup, or delete the document and "
                   "upload the file again.")
    if found.unreferenced:
        click.echo("`flask storage check --remove-unreferenced` deletes the files no document uses.")
    if not found.clean:
        raise SystemExit(1)
    click.echo(f"Every document's file is in {where} with the right size ({found.documents} document(s), "
               f"{found.stored} stored file(s)).")


@group.command("migrate")
@click.option("--to", "target", type=click.Choice(["s3"]), required=True, help="Where the files go.")
def migrate(target: str) -> None:
    """Copy every file of the local folder into the S3 bucket, verifying each copy; a second run copies nothing."""
    files = inventory.local_files()
    try:
        inventory.bucket()
        with click.progressbar(length=len(files), label="Copying files to the bucket", show_pos=True) as bar:
            copied = inventory.copy_to_s3(files, bar.update)
    except inventory.NotS3 as exc:
        raise click.ClickException(str(exc)) from exc
    except storage.StorageUnavailable as exc:
        raise click.ClickException(f"The bucket is not answering; run this again when it is (files already "
                                   f"copied are kept): {exc}") from exc
    click.echo(f"Copied {copied.copied} file(s) ({copied.bytes_copied:,} bytes) to {storage.backend().describe()}, "
               f"each read back and its sha256 verified; {copied.already_there} were there already.")
    if copied.damaged:
        _list("local file(s) whose bytes no longer match their name were not copied", copied.damaged)
        raise SystemExit(1)
