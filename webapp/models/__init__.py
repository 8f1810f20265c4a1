"""Database models: plain tables, no business logic (that lives in services)."""

from webapp.models.category import Category
from webapp.models.document import Document, DocumentStatus

__all__ = ["Category", "Document", "DocumentStatus"]
