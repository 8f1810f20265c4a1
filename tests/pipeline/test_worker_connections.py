"""A worker's database connections pass to the next work horse only when the horse leaves them idle (real PostgreSQL)."""

import os

from sqlalchemy import text

import worker
from webapp.extensions import db


def _hands_back() -> bool:
    """Run a horse's hand-back here and tell whether it said its connections may pass on."""
    read, write = os.pipe()
    try:
        worker._hand_back(write, worker.HandedOnConnections._CLEAN)
        os.close(write)
        return os.read(read, 1) == worker.HandedOnConnections._CLEAN
    finally:
        os.close(read)


def test_a_job_that_committed_hands_its_connection_on(app):
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.commit()
        assert _hands_back()


def test_a_transaction_a_job_left_open_is_rolled_back_and_the_connection_passes_on(app):
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # a job that raised before its commit
        assert _hands_back()
        assert db.engine.pool.checkedout() == 0


def test_a_connection_still_checked_out_is_not_handed_on(app):
    with app.app_context():
        connection = db.engine.connect()
        connection.execute(text("SELECT 1"))  # in a transaction, outside the session
        try:
            assert not _hands_back()
        finally:
            connection.close()
