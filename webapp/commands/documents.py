"""`flask documents …`: put stranded documents back on their way, retry failures, reprocess."""

import click
from flask.cli import AppGroup

from webapp.services.answers import categories
from webapp.services.pipeline import resubmit, sweeper

group = AppGroup("documents", help="Document processing commands.")


def _category(name: str | None):
    if name is None:
        return None
    category = categories.find_category(name)
    if category is None:
        raise click.UsageError(f"There is no category named “{name}”.")
    return category


@group.command("resume")
def resume() -> None:
    """Re-enqueue documents left queued or stuck processing, and index what search missed."""
    sent = sweeper.resume_documents(grace_seconds=0)
    indexed = sweeper.catch_up_index()
    click.echo(f"Re-enqueued {sent} document(s); indexed {indexed} document(s).")


@group.command("retry-failed")
@click.option("--category", "category_name", help="Only this category's failed documents.")
def retry_failed(category_name: str | None) -> None:
    """Send every failed document back to the queue."""
    count = resubmit.retry_failed(_category(category_name))
    click.echo(f"Queued {count} failed document(s) again.")


@group.command("reprocess")
@click.option("--category", "category_name", help="Only this category's documents.")
@click.option("--all", "everything", is_flag=True, help="Every processed document in every category.")
@click.argument("document_ids", nargs=-1, type=int)
def reprocess(category_name: str | None, everything: bool, document_ids: tuple[int, ...]) -> None:
    """Read processed documents again (e.g. after the number rules changed), replacing their totals atomically."""
    if not (category_name or everything or document_ids):
        raise click.UsageError("Name document ids, or use --category NAME or --all.")
    if document_ids:
        for document_id in document_ids:
            try:
                resubmit.reprocess_document(document_id)
            except resubmit.NotReprocessable as exc:
                raise click.ClickException(f"File #{document_id}: {exc}") from exc
        count = len(document_ids)
    else:
        count = resubmit.reprocess_documents(_category(category_name))
    click.echo(f"Queued {count} document(s) to be reprocessed.")
