"""Register the `flask …` command groups for operators, and build the app those commands run in."""

import atexit
import logging

import click
from flask import Flask

from webapp.commands import backup, documents, search, storage, totals


def init_app(app: Flask) -> None:
    """Add every command group to the app's CLI."""
    for module in (search, documents, totals, storage, backup):
        app.cli.add_command(module.group)


def command_app() -> Flask:
    """Build the app for `.venv/bin/flask …` (.flaskenv names this): the running `make run`'s servers, else its own.

    Settings come from the environment, else from the runtime file of a running `make run`. When neither names a
    database, the installation's embedded servers (under instance/) are started for this one command, brought up
    to the current schema as `make run` would, and stopped when it ends.
    """
    from webapp import create_app
    from webapp.config import Config
    from webapp.embedded import instance_dir, secret_key, start_servers

    config = Config()
    if config.SQLALCHEMY_DATABASE_URI:
        return create_app(config)
    folder, servers = instance_dir(), []
    atexit.register(_stop, servers)
    given = {"REDIS_URL": config.REDIS_URL, "S3_BUCKET": config.S3_BUCKET}
    started = start_servers(folder, given, servers, lambda line: click.echo(f"flask: {line}", err=True))
    click.echo("flask: no `make run` is running here, so its servers were started for this command.", err=True)
    config.SQLALCHEMY_DATABASE_URI = started["DATABASE_URL"]
    config.REDIS_URL = started.get("REDIS_URL", config.REDIS_URL)
    for name in ("S3_BUCKET", "S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        setattr(config, name, started.get(name, getattr(config, name)))
    config.SECRET_KEY = config.SECRET_KEY or secret_key(folder)
    app = create_app(config)
    _upgrade(app)
    return app


def _upgrade(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade()


def _stop(servers: list) -> None:
    for server in reversed(servers):
        server.stop()
