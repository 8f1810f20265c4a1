"""Marshmallow schemas of the accounts endpoints: tokens, the caller, users."""

from marshmallow import Schema, fields


class TokenInSchema(Schema):
    """Credentials and a name for a new token."""

    username = fields.String(metadata={"example": "maria"})
    password = fields.String(metadata={"example": "correct horse battery"})
    name = fields.String(metadata={"example": "nightly import"})


class NewTokenSchema(Schema):
    """A token just made: `token` is shown this once."""

    id = fields.Integer()
    name = fields.String()
    token = fields.String(metadata={"description": "Send as `Authorization: Bearer <token>`; it is never shown again"})


class TokenSchema(Schema):
    """One of the caller's tokens (never its value)."""

    id = fields.Integer()
    name = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True, metadata={"description": "Updated at most once a minute"})


class TokenListSchema(Schema):
    """The caller's tokens, newest first."""

    tokens = fields.List(fields.Nested(TokenSchema))


class MeSchema(Schema):
    """Who the caller is: `regions` is empty for all regions."""

    username = fields.String()
    role = fields.String(metadata={"enum": ["viewer", "editor", "admin"]})
    regions = fields.List(fields.String())


class UserInSchema(Schema):
    """A new account."""

    username = fields.String(metadata={"example": "maria"})
    password = fields.String(metadata={"description": "At least 10 characters"})
    role = fields.String(metadata={"enum": ["viewer", "editor", "admin"]})
    regions = fields.List(fields.String(), load_default=list, metadata={"description": "Empty: every region"})


class UserChangesSchema(Schema):
    """Fields to change; those left out stay as they are. `"active": false` disables the account at once."""

    role = fields.String(metadata={"enum": ["viewer", "editor", "admin"]})
    regions = fields.List(fields.String())
    password = fields.String()
    active = fields.Boolean()


class UserSchema(Schema):
    """An account."""

    username = fields.String()
    role = fields.String()
    regions = fields.List(fields.String())
    active = fields.Boolean()


class UserListSchema(Schema):
    """Every account by username."""

    users = fields.List(fields.Nested(UserSchema))
