"""Tell which of the services the app depends on answer right now."""

from sqlalchemy import text

from webapp import search
from webapp.broker import connection
from webapp.extensions import db


def check() -> dict[str, str]:
    """Return 'ok' or a short reason for the database, the queue and search."""
    return {"database": _probe(_database), "queue": _probe(_queue), "search": _probe(_search)}


def _probe(probe) -> str:
    try:
        return "ok" if probe() else "down"
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported not raised
        db.session.rollback()
        return f"down: {type(exc).__name__}"


def _database() -> bool:
    return db.session.execute(text("SELECT 1")).scalar() == 1


def _queue() -> bool:
    return bool(connection().ping())


def _search() -> bool:
    return search.backend().ping()
