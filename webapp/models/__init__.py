"""Database models: plain tables, no business logic (that lives in services)."""

from webapp.models.category import Category
from webapp.models.document import Document, DocumentStatus, FailureKind
from webapp.models.document_details import DocumentDetails
from webapp.models.token import ApiToken
from webapp.models.user import Role, User

__all__ = ["ApiToken", "Category", "Document", "DocumentDetails", "DocumentStatus", "FailureKind", "Role", "User"]
