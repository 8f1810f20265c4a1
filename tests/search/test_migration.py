"""Migration 0010 moves search to chunks: existing files become "not yet searchable", are rebuilt whole from
the text PostgreSQL keeps, and the migration downgrades again."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tests.fixtures_databases import database_at
from webapp import search
from webapp.extensions import db
from webapp.search import SearchQuery

BEFORE = "0009_name_keys"


@pytest.fixture
def old_database(config):
    """A database of its own on the test server, brought up to the revision before chunks."""
    with database_at(config, "before_chunks", BEFORE) as app:
        yield app


def _columns() -> set[str]:
    query = text("SELECT column_name FROM information_schema.columns WHERE table_name = 'documents'")
    return set(db.session.execute(query).scalars())


def test_existing_files_are_rebuilt_whole_and_the_migration_downgrades(old_database):
    long_text = "Sheet\n" + "\n".join(f"row {i} of stock" for i in range(80_000)) + "\nlast samovar"
    with old_database.app_context():
        db.session.execute(text("""INSERT INTO categories (name, region, type, name_key, region_key, type_key)
                                   VALUES ('c', 'Asia', 't', 'c', 'asia', 't')"""))
        db.session.execute(text("""
            INSERT INTO documents (category_id, filename, sha256, size, status, total, counted_total, text, numbers,
                                   breakdown, tsv, indexed_at)
            SELECT id, 'old.xlsx', repeat('a', 64), 10, 'done', 1, 1, :text, '',
                   '{"sheets": [{"name": "Sheet", "first_line": 1}]}', to_tsvector('simple', 'row'), now()
              FROM categories"""), {"text": long_text})
        db.session.commit()
        upgrade()
        assert "tsv" not in _columns()
        assert db.session.execute(text("SELECT indexed_at FROM documents")).scalar() is None
        assert search.differences().missing == [1]
        search.rebuild([1], lambda _: None)
        found = search.search(SearchQuery("samovar"))
        assert [hit.document_id for hit in found.hits] == [1]
        assert [location.cell for location in found.hits[0].locations] == ["Sheet!A80001"]
        assert search.differences().clean
        db.session.commit()
        downgrade(revision=BEFORE)
        assert "tsv" in _columns()
        assert db.session.execute(text("SELECT to_regclass('document_chunks')")).scalar() is None
        assert db.session.execute(text("SELECT indexed_at FROM documents")).scalar() is None
