"""Names compared in one form: a key per name, region and type (NFC, case-folded in Python).

PostgreSQL's lower() and Python's disagree on letters such as İ and Σ, so a category created as
`İstanbul` could not be opened. Each category now stores the key its name, region and type are
compared by, with a unique index on the name's key instead of on lower(name).

Existing rows: names, regions and types are rewritten in NFC; a region or type that now shares its key
with an earlier one takes that earlier spelling (so their totals are grouped together, as the app
promises); a name whose key an earlier category already has (two names lower() told apart) gets its
id appended, and the migration says so.

Revision ID: 0009_name_keys
Revises: 0005_accounts
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0009_name_keys"
down_revision = "0005_accounts"
branch_labels = None
depends_on = None

NAME_MAX = 64


def _spelling(value: str) -> str:
    # A copy of webapp/names.py as of this revision: migrations never import the app.
    return unicodedata.normalize("NFC", value.strip())


def _key(value: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", value.strip()).casefold())


def _unique_name(name: str, category_id: int, taken: set[str]) -> str:
    suffix = f" ({category_id})"
    renamed = name[: NAME_MAX - len(suffix)] + suffix
    while _key(renamed) in taken:
        suffix += "+"
        renamed = name[: NAME_MAX - len(suffix)] + suffix
    return renamed


def upgrade():
    for column in ("name_key", "region_key", "type_key"):
        op.add_column("categories", sa.Column(column, sa.Text(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, name, region, type FROM categories ORDER BY id")).all()
    names: set[str] = set()
    spellings: dict[tuple[str, str], str] = {}
    updates = []
    for category_id, name, region, type_ in rows:
        name = _spelling(name)
        if _key(name) in names:
            renamed = _unique_name(name, category_id, names)
            print(f"0009_name_keys: category {category_id} “{name}” renamed “{renamed}”: its name differs only in "
                  f"letter case from an earlier category's")
            name = renamed
        names.add(_key(name))
        region = spellings.setdefault(("region", _key(region)), _spelling(region))
        type_ = spellings.setdefault(("type", _key(type_)), _spelling(type_))
        updates.append({"id": category_id, "name": name, "name_key": _key(name), "region": region,
                        "region_key": _key(region), "type": type_, "type_key": _key(type_)})
    if updates:
        connection.execute(
            sa.text("UPDATE categories SET name = :name, name_key = :name_key, region = :region, region_key = :region_key, "
                    "type = :type, type_key = :type_key WHERE id = :id"),
            updates,
        )
    for column in ("name_key", "region_key", "type_key"):
        op.alter_column("categories", column, nullable=False)
    op.drop_index("uq_categories_lower_name", table_name="categories")
    op.drop_index("ix_categories_region", table_name="categories")
    op.drop_index("ix_categories_type", table_name="categories")
    op.create_index("uq_categories_name_key", "categories", ["name_key"], unique=True)
    op.create_index("ix_categories_region_key", "categories", ["region_key"])
    op.create_index("ix_categories_type_key", "categories", ["type_key"])


def downgrade():
    op.drop_index("ix_categories_type_key", table_name="categories")
    op.drop_index("ix_categories_region_key", table_name="categories")
    op.drop_index("uq_categories_name_key", table_name="categories")
    op.create_index("ix_categories_type", "categories", ["type"])
    op.create_index("ix_categories_region", "categories", ["region"])
    op.create_index("uq_categories_lower_name", "categories", [sa.literal_column("lower(name)")], unique=True)
    for column in ("type_key", "region_key", "name_key"):
        op.drop_column("categories", column)
