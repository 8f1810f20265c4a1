"""GET /api/system: the System page's facts as JSON (admins)."""

from marshmallow import Schema, fields

from webapp.accounts import access
from webapp.api import bp
from webapp.api.schemas import ApiErrorSchema
from webapp.services.answers import system


class _WorkerSchema(Schema):
    name = fields.String()
    state = fields.String(metadata={"example": "busy"})
    document_id = fields.Integer(allow_none=True, metadata={"description": "The file in hand (null: idle)"})
    since = fields.DateTime(allow_none=True, metadata={"description": "Its job's start, or the worker's when idle"})


class _QueueSchema(Schema):
    depth = fields.Integer()
    oldest_seconds = fields.Float(allow_none=True, metadata={"description": "Null when nothing waits"})


class _DocumentsSchema(Schema):
    queued = fields.Integer()
    processing = fields.Integer()
    done = fields.Integer()
    failed = fields.Integer()


class _TotalsCheckSchema(Schema):
    at = fields.DateTime(allow_none=True)
    mismatches = fields.Integer(allow_none=True, metadata={"description": "Categories that differed (null: never run)"})


class _StorageSchema(Schema):
    files = fields.Integer()
    bytes = fields.Integer()


class _SearchSchema(Schema):
    backend = fields.String(metadata={"example": "postgresql"})
    status = fields.String(metadata={"example": "ok"})


class SystemSchema(Schema):
    """The health of the whole system; document counts cover the caller's regions."""

    workers = fields.List(fields.Nested(_WorkerSchema))
    queue = fields.Nested(_QueueSchema)
    documents = fields.Nested(_DocumentsSchema)
    unsearchable = fields.Integer(metadata={"description": "Counted but not yet searchable"})
    totals_check = fields.Nested(_TotalsCheckSchema)
    storage = fields.Nested(_StorageSchema)
    search = fields.Nested(_SearchSchema)
    versions = fields.Dict(keys=fields.String(), values=fields.String(),
                           metadata={"example": {"app": "1.1.0", "postgresql": "18.1", "redis": "7.4.1", "search": "…"}})


@bp.route("/system", methods=["GET"])
@bp.response(200, SystemSchema)
@bp.alt_response(403, schema=ApiErrorSchema, description="Not an admin")
@access.admin
def system_facts():
    """See how the whole system is doing (admins).

    Workers, the queue, documents by status, search, the last totals check, storage and versions.
    """
    return system.overview()
