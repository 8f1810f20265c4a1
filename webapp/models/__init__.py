"""Database models: plain tables, no business logic (that lives in services)."""

from webapp.models.category import Category
from webapp.models.chunk import DocumentChunk
from webapp.models.document import Document, DocumentStatus
from webapp.models.token import ApiToken
from webapp.models.user import Role, User

__all__ = ["ApiToken", "Category", "Document", "DocumentChunk", "DocumentStatus", "Role", "User"]
