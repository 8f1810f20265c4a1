"""Marshmallow schemas of the ledger (history, totals as of an instant) and the audit trail."""

from marshmallow import Schema, fields, validate

from webapp.models import ChangeKind
from webapp.pagination import MAX_PAGE
from webapp.workbook.numbers import display_number

_INSTANT = {"description": "ISO 8601 date or date-time (UTC unless it has an offset), e.g. 2024-05-01T09:30:00Z"}


def _at(value) -> str:
    return value.isoformat()


class AsOfQuerySchema(Schema):
    """Ask for a total as it stood at an instant."""

    as_of = fields.String(load_default=None, metadata=_INSTANT)


class HistoryQuerySchema(Schema):
    """Which page of a category's changes."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))


class ChangeSchema(Schema):
    """One change of a category's total."""

    at = fields.Function(lambda c: _at(c.at), metadata={"type": "string", "format": "date-time"})
    kind = fields.String(metadata={"enum": [kind.value for kind in ChangeKind]})
    amount = fields.Function(lambda c: display_number(c.amount), metadata={"type": "string", "example": "-12.5"})
    total_after = fields.Function(lambda c: display_number(c.total_after), metadata={"type": "string"})
    document_id = fields.Integer(allow_none=True)
    filename = fields.String(allow_none=True, metadata={"description": "Kept after the file is deleted"})
    by = fields.String(allow_none=True, metadata={"description": "Username; null when no signed-in user caused it"})


class HistorySchema(Schema):
    """A page of a category's changes, newest first."""

    category = fields.String()
    changes = fields.List(fields.Nested(ChangeSchema))
    page = fields.Integer()
    pages = fields.Integer()


class AuditQuerySchema(Schema):
    """Filters of the audit trail."""

    user = fields.String(load_default="")
    kind = fields.String(load_default="")
    object = fields.String(load_default="")
    since = fields.String(load_default=None, metadata=_INSTANT)
    until = fields.String(load_default=None, metadata=_INSTANT)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))


class AuditEventSchema(Schema):
    """Who did what, to what, when and from where."""

    at = fields.Function(lambda e: _at(e.at), metadata={"type": "string", "format": "date-time"})
    actor = fields.String(allow_none=True, metadata={"description": "Username; null when nobody was signed in"})
    kind = fields.String()
    object = fields.String(allow_none=True)
    detail = fields.Dict()
    address = fields.String(allow_none=True, metadata={"description": "Client address, or `cli` for a command"})


class AuditPageSchema(Schema):
    """A page of the audit trail, newest first."""

    events = fields.List(fields.Nested(AuditEventSchema))
    page = fields.Integer()
    pages = fields.Integer()
