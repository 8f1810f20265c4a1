"""`flask documents …`: put stranded documents back on their way."""

import click
from flask.cli import AppGroup

from webapp.services import sweeper

group = AppGroup("documents", help="Document processing commands.")


@group.command("resume")
def resume() -> None:
    """Re-enqueue documents left queued or stuck processing, and index what search missed."""
    sent = sweeper.resume_documents(grace_seconds=0)
    indexed = sweeper.catch_up_index()
    click.echo(f"Re-enqueued {sent} document(s); indexed {indexed} document(s).")
