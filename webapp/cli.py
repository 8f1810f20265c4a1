"""Register the `flask …` command groups for operators."""

from flask import Flask

from webapp.commands import documents, search, totals, users


def init_app(app: Flask) -> None:
    """Add every command group to the app's CLI."""
    for module in (search, documents, totals, users):
        app.cli.add_command(module.group)
