"""`flask search …`: rebuild and check the search index from PostgreSQL."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webapp import search
from webapp.extensions import db
from webapp.models import Document, DocumentStatus

group = AppGroup("search", help="Search index commands.")

# Ids listed per kind of difference; the count is always given in full.
SHOWN_IDS = 20


@group.command("reindex")
def reindex() -> None:
    """Rebuild the search index from PostgreSQL while searches keep answering."""
    ids = list(db.session.scalars(select(Document.id).where(Document.status == DocumentStatus.DONE).order_by(Document.id)))
    db.session.commit()
    try:
        with click.progressbar(length=len(ids), label="Indexing documents", show_pos=True) as bar:
            indexed = search.rebuild(ids, bar.update)
    except search.SearchUnavailable as exc:
        raise click.ClickException(f"Search is unavailable, the index was left as it was: {exc}") from exc
    click.echo(f"Indexed {indexed} document(s).")


@group.command("check")
def check() -> None:
    """Compare the search index with PostgreSQL; exit 1 on missing, extra or stale documents."""
    try:
        found = search.differences()
    except search.SearchUnavailable as exc:
        raise click.ClickException(f"Search is unavailable, nothing was checked: {exc}") from exc
    for label, ids in (("missing from the index", found.missing), ("in the index but not done", found.extra),
                       ("stale in the index", found.stale)):
        if ids:
            shown = ", ".join(map(str, ids[:SHOWN_IDS])) + (" …" if len(ids) > SHOWN_IDS else "")
            click.echo(f"{len(ids)} document(s) {label}: {shown}")
    if not found.clean:
        click.echo("Run `flask search reindex` to rebuild the index from PostgreSQL.")
        raise SystemExit(1)
    click.echo(f"The search index matches PostgreSQL ({found.checked} done document(s)).")
