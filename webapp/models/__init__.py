"""Database models: plain tables, no business logic (that lives in services)."""

from webapp.models.audit import AuditEvent
from webapp.models.category import Category
from webapp.models.chunk import DocumentChunk
from webapp.models.document import Document, DocumentStatus, FailureKind
from webapp.models.document_details import DocumentDetails
from webapp.models.ledger import ChangeKind, TotalChange
from webapp.models.token import ApiToken
from webapp.models.user import Role, User

__all__ = ["ApiToken", "AuditEvent", "Category", "ChangeKind", "Document", "DocumentChunk", "DocumentDetails",
           "DocumentStatus", "FailureKind", "Role", "TotalChange", "User"]
