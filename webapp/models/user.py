"""A person who signs in: a role, the regions they may see (none = all), and whether they may sign in."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db

USERNAME_MAX = 64
REGION_MAX = 64


class Role(enum.StrEnum):
    """What a user may do; each role may do everything the ones before it may."""

    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Return the role's place in the order viewer < editor < admin."""
        return list(Role).index(self)


class User(db.Model):
    """Someone who signs in; `session_version` changes when their password does, ending other sessions."""

    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_lower_username", func.lower(text("username")), unique=True),
        CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="ck_users_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX))
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    # Region names as typed (matched ignoring case); empty means every region.
    regions: Mapped[list[str]] = mapped_column(ARRAY(String(REGION_MAX)), server_default="{}")
    active: Mapped[bool] = mapped_column(server_default="true")
    must_change_password: Mapped[bool] = mapped_column(server_default="false")
    session_version: Mapped[int] = mapped_column(server_default="1")
    # A language code of webapp/language.py's LANGUAGES; NULL lets the browser's Accept-Language decide.
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def __repr__(self) -> str:
        return f"<User {self.username!r} {self.role}>"
