"""Migration 0005 upgrades a database that already holds categories and documents, and downgrades again."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tests.fixtures_databases import database_at
from webapp.extensions import db


@pytest.fixture
def old_database(config):
    """A database of its own on the test server, brought up to the revision before accounts."""
    with database_at(config, "before_accounts", "0004_filtered_search") as app:
        yield app


def test_existing_files_keep_their_data_and_have_no_uploader(old_database):
    with old_database.app_context():
        db.session.execute(text("INSERT INTO categories (name, region, type, total, documents) VALUES ('c', 'Asia', 't', 12.5, 1)"))
        db.session.execute(text("""INSERT INTO documents (category_id, filename, sha256, size, status, total, counted_total)
                                   SELECT id, 'old.xlsx', repeat('a', 64), 10, 'done', 12.5, 12.5 FROM categories"""))
        db.session.commit()
        upgrade()
        row = db.session.execute(text("SELECT filename, total, uploaded_by_id FROM documents")).one()
        assert (row.filename, str(row.total), row.uploaded_by_id) == ("old.xlsx", "12.5", None)
        assert db.session.execute(text("SELECT count(*) FROM users")).scalar() == 0
        db.session.commit()
        downgrade(revision="0004_filtered_search")
        columns = db.session.execute(text("SELECT column_name FROM information_schema.columns WHERE table_name = 'documents'"))
        assert "uploaded_by_id" not in set(columns.scalars())
        assert db.session.execute(text("SELECT total FROM categories")).scalar() == 12.5
