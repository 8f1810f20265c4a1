"""A category groups workbooks by name, region and type and keeps their running total."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db

NAME_MAX = 64
REGION_MAX = 64
TYPE_MAX = 64


class Category(db.Model):
    """A named bucket of workbooks with an exact running total."""

    __tablename__ = "categories"
    __table_args__ = (Index("uq_categories_name_key", "name_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    region: Mapped[str] = mapped_column(String(REGION_MAX))
    type: Mapped[str] = mapped_column(String(TYPE_MAX))
    # The forms names are compared in (webapp/names.py: NFC, case-folded), computed once
    # in Python: PostgreSQL's lower() disagrees with Python's on letters such as İ and Σ.
    name_key: Mapped[str] = mapped_column(Text)
    region_key: Mapped[str] = mapped_column(Text, index=True)
    type_key: Mapped[str] = mapped_column(Text, index=True)
    # Unconstrained NUMERIC: exact decimals of any scale, never floats.
    total: Mapped[Decimal] = mapped_column(Numeric, server_default="0")
    documents: Mapped[int] = mapped_column(server_default="0")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def __repr__(self) -> str:
        return f"<Category {self.name!r} region={self.region!r} type={self.type!r}>"
