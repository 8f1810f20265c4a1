"""`flask totals …`: prove every category's running total matches its counted documents."""

import click
from flask.cli import AppGroup
from sqlalchemy import text

from webapp.extensions import db

group = AppGroup("totals", help="Running total commands.")

_DIFFERENCES = text("""
    SELECT c.name, c.total, c.documents, coalesce(s.total, 0), coalesce(s.documents, 0)
      FROM categories c
 LEFT JOIN (SELECT category_id, sum(counted_total) AS total, count(*) AS documents
              FROM documents WHERE counted_at IS NOT NULL GROUP BY category_id) s
        ON s.category_id = c.id
     WHERE c.total <> coalesce(s.total, 0) OR c.documents <> coalesce(s.documents, 0)
     ORDER BY c.name
""")


@group.command("check")
def check() -> None:
    """Compare every category's total with the sum of its counted documents; exit 1 on a difference."""
    rows = db.session.execute(_DIFFERENCES).all()
    for name, total, docs, expected_total, expected_docs in rows:
        click.echo(f"{name}: total {total} (documents say {expected_total}), files {docs} (documents say {expected_docs})")
    if rows:
        raise SystemExit(1)
    click.echo("All category totals match their documents.")
