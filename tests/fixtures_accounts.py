"""Fixtures for who is asking: signed-in clients of any role and regions, the anonymous client, API tokens."""

import itertools

import pytest
from flask import Flask

from webapp.accounts import tokens, users
from webapp.extensions import db
from webapp.models import User

PASSWORD = "correct horse battery"
_serial = itertools.count(1)


def make_user(app: Flask, role: str = "admin", regions=(), username: str | None = None, password: str = PASSWORD) -> User:
    """Create an account through the accounts service (cheap hashes under TestConfig); return its row, detached."""
    with app.app_context():
        user = users.create_user(username or f"{role}-{next(_serial)}", password, role, list(regions), by="tests")
        db.session.expunge(user)
        return user


def sign_in(client, user: User):
    """Give a test client the session a sign-in would have given it (no password round trip)."""
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{user.session_version}"
        session["_fresh"] = True
    return client


def signed_in_client(app: Flask, role: str = "admin", regions=()):
    """Return a test client of this app signed in as a new user of this role and regions."""
    return sign_in(app.test_client(), make_user(app, role, regions))


def token_for(app: Flask, user: User, name: str = "tests") -> str:
    """Create an API token for the user and return its secret."""
    with app.app_context():
        return tokens.create_token(user, name)[1]


@pytest.fixture
def login_as(app):
    """Return a factory: login_as("editor", ["Asia"]) is a test client signed in as a new editor for Asia."""

    def client_for(role: str = "admin", regions=()):
        return signed_in_client(app, role, regions)

    return client_for


@pytest.fixture
def anonymous(app):
    """A test client nobody signed in to."""
    return app.test_client()


@pytest.fixture
def bearer(app):
    """Return a factory: bearer("viewer", ["Asia"]) gives request headers carrying a new user's API token."""

    def headers_for(role: str = "admin", regions=()) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(app, make_user(app, role, regions))}"}

    return headers_for
