"""Migration 0011 gives existing categories their opening rows and documents' counted rows, and downgrades again."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tests.fixtures_databases import database_at
from webapp.extensions import db
from webapp.services.pipeline import reconcile


@pytest.fixture
def old_database(config):
    """A database of its own on the test server, at 0009 (the data below is written in that schema)."""
    with database_at(config, "before_ledger", "0009_name_keys") as app:
        yield app


_DATA = [
    "INSERT INTO users (username, password_hash, role) VALUES ('maria', 'x', 'editor')",
    # `phones` is 0.5 more than its documents say (an old difference), `empty` has nothing, `old` has a failed file.
    """INSERT INTO categories (name, name_key, region, region_key, type, type_key, total, documents, created_at) VALUES
       ('phones', 'phones', 'Asia', 'asia', 't', 't', 13, 2, '2024-01-01 00:00'),
       ('empty', 'empty', 'Asia', 'asia', 't', 't', 0, 0, '2024-02-01 00:00'),
       ('old', 'old', 'Europe', 'europe', 't', 't', 4, 1, '2024-03-01 00:00')""",
    """INSERT INTO documents (category_id, filename, sha256, size, status, total, counted_total, counted_at, uploaded_by_id)
       VALUES (1, 'b.xlsx', repeat('b', 64), 10, 'done', 2.5, 2.5, '2024-01-03 00:00', NULL),
              (1, 'a.xlsx', repeat('a', 64), 10, 'done', 10, 10, '2024-01-02 00:00', 1),
              (3, 'c.xlsx', repeat('c', 64), 10, 'done', 4, 4, '2024-03-02 00:00', NULL),
              (3, 'd.xlsx', repeat('d', 64), 10, 'failed', NULL, NULL, NULL, NULL)""",
]


def _before_ledger(app) -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config()).get_revision("0011_ledger").down_revision


def test_existing_totals_get_opening_and_counted_rows_that_add_up(old_database):
    with old_database.app_context():
        for statement in _DATA:
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        rows = db.session.execute(text("""
            SELECT c.name, t.kind, t.filename, t.amount, t.total_after, t.documents_after, t.by_username,
                   to_char(t.at AT TIME ZONE current_setting('TimeZone'), 'YYYY-MM-DD')
              FROM total_changes t JOIN categories c ON c.id = t.category_id ORDER BY c.id, t.at, t.id
        """)).all()
        assert [(n, k, f, str(a), str(t), d, b, day) for n, k, f, a, t, d, b, day in rows] == [
            ("phones", "opening", None, "0.5", "0.5", 0, None, "2024-01-01"),
            ("phones", "counted", "a.xlsx", "10", "10.5", 1, "maria", "2024-01-02"),
            ("phones", "counted", "b.xlsx", "2.5", "13.0", 2, None, "2024-01-03"),
            ("empty", "opening", None, "0", "0", 0, None, "2024-02-01"),
            ("old", "opening", None, "0", "0", 0, None, "2024-03-01"),
            ("old", "counted", "c.xlsx", "4", "4", 1, None, "2024-03-02"),
        ]
        assert reconcile.ledger_differences() == []
        db.session.commit()
        downgrade(revision=_before_ledger(old_database))
        tables = set(db.session.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
        assert not {"total_changes", "audit_events"} & tables
        assert db.session.execute(text("SELECT sum(total) FROM categories")).scalar() == 17
