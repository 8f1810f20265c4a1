"""The API's one error body, shared by the extensions that document it and the handlers that send it."""

from marshmallow import Schema, fields


class ApiErrorSchema(Schema):
    """Every API error: one plain-language reason (the OpenAPI document's error schema, for every status)."""

    error = fields.String(required=True, metadata={"example": "There is no category named “asian_phones”."})
