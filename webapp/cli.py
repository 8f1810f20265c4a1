"""`flask …` commands for operators: rebuild search, resume documents, check totals."""

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select, text

from webapp import search
from webapp.extensions import db
from webapp.models import Document
from webapp.services import sweeper

search_cli = AppGroup("search", help="Search index commands.")
documents_cli = AppGroup("documents", help="Document processing commands.")
totals_cli = AppGroup("totals", help="Running total commands.")


def init_app(app: Flask) -> None:
    """Register the command groups."""
    for group in (search_cli, documents_cli, totals_cli):
        app.cli.add_command(group)


@search_cli.command("reindex")
def reindex() -> None:
    """Rebuild the search index from PostgreSQL."""
    ids = list(db.session.scalars(select(Document.id).where(Document.status == "done").order_by(Document.id)))
    with click.progressbar(ids, label="Indexing documents", show_pos=True) as bar:
        for document_id in bar:
            search.index_document(document_id)
    click.echo(f"Indexed {len(ids)} document(s).")


@documents_cli.command("resume")
def resume() -> None:
    """Re-enqueue documents left queued or stuck processing, and index what search missed."""
    sent = sweeper.resume_documents(grace_seconds=0)
    indexed = sweeper.catch_up_index()
    click.echo(f"Re-enqueued {sent} document(s); indexed {indexed} document(s).")


_DIFFERENCES = text("""
    SELECT c.name, c.total, c.documents, coalesce(s.total, 0), coalesce(s.documents, 0)
      FROM categories c
 LEFT JOIN (SELECT category_id, sum(counted_total) AS total, count(*) AS documents
              FROM documents WHERE counted_at IS NOT NULL GROUP BY category_id) s
        ON s.category_id = c.id
     WHERE c.total <> coalesce(s.total, 0) OR c.documents <> coalesce(s.documents, 0)
     ORDER BY c.name
""")


@totals_cli.command("check")
def check() -> None:
    """Compare every category's total with the sum of its counted documents; exit 1 on a difference."""
    rows = db.session.execute(_DIFFERENCES).all()
    for name, total, docs, expected_total, expected_docs in rows:
        click.echo(f"{name}: total {total} (documents say {expected_total}), files {docs} (documents say {expected_docs})")
    if rows:
        raise SystemExit(1)
    click.echo("All category totals match their documents.")
