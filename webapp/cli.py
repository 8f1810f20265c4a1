"""Register the `flask …` command groups for operators."""

from flask import Flask

from webapp.commands import backup, documents, search, storage, totals, users


def init_app(app: Flask) -> None:
    """Add every command group to the app's CLI."""
    for module in (search, documents, totals, users, storage, backup):
        app.cli.add_command(module.group)
