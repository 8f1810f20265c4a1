"""Databases of their own on the test server, for migration tests that need a schema older than the app's."""

import copy
from contextlib import contextmanager

import psycopg
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import make_url

from webapp import create_app
from webapp.extensions import db


@contextmanager
def database_at(config, name: str, revision: str):
    """Yield an app on a fresh database `name`, brought up to `revision`; drop the database afterwards."""
    url = make_url(config.SQLALCHEMY_DATABASE_URI)
    server = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    own = copy.copy(config)
    own.SQLALCHEMY_DATABASE_URI = url.set(database=name).render_as_string(hide_password=False)
    app: Flask = create_app(own)
    with app.app_context():
        upgrade(revision=revision)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}"')


@contextmanager
def statements_run(app: Flask):
    """Yield a list that collects the text of every SQL statement the app runs meanwhile."""
    from sqlalchemy import event

    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - the statement text
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
