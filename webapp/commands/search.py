"""`flask search …`: rebuild and check the search index from PostgreSQL."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webapp import search
from webapp.extensions import db
from webapp.models import Document

group = AppGroup("search", help="Search index commands.")


@group.command("reindex")
def reindex() -> None:
    """Rebuild the search index from PostgreSQL."""
    ids = list(db.session.scalars(select(Document.id).where(Document.status == "done").order_by(Document.id)))
    with click.progressbar(ids, label="Indexing documents", show_pos=True) as bar:
        for document_id in bar:
            search.index_document(document_id)
    click.echo(f"Indexed {len(ids)} document(s).")
