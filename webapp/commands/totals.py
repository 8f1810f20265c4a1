"""`flask totals …`: prove every category's running total matches its counted documents, or repair it."""

import click
from flask.cli import AppGroup

from webapp.services.pipeline import reconcile

group = AppGroup("totals", help="Running total commands.")


@group.command("check")
def check() -> None:
    """Compare every category's total with its counted documents and with its ledger; exit 1 on a difference."""
    found = reconcile.check_and_record()
    for difference in found:
        click.echo(difference.describe())
    unbalanced = reconcile.ledger_differences()
    for difference in unbalanced:
        click.echo(difference.describe())
    if found:
        click.echo(f"{len(found)} category total(s) differ; `flask totals repair` sets them from their documents.")
    if unbalanced:
        click.echo(f"{len(unbalanced)} category total(s) differ from their ledger; `flask totals repair` adds the "
                   "correcting change.")
    if found or unbalanced:
        raise SystemExit(1)
    click.echo("All category totals match their documents.")


@group.command("repair")
def repair() -> None:
    """Set every differing total and file count from the counted documents, in one transaction."""
    fixed = reconcile.repair()
    for difference in fixed:
        click.echo(
            f"Repaired {difference.category}: total {difference.total} → {difference.expected_total}, "
            f"files {difference.documents} → {difference.expected_documents}"
        )
    click.echo(f"Repaired {len(fixed)} category total(s)." if fixed else "Nothing to repair: every total matches.")
