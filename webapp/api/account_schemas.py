"""Marshmallow schemas of the accounts endpoints: tokens, the caller, users."""

from marshmallow import Schema, fields

from webapp import names
from webapp.accounts import passwords, users
from webapp.models.token import TOKEN_NAME_MAX
from webapp.models.user import REGION_MAX, USERNAME_MAX

_ROLES = {"enum": ["viewer", "editor", "admin"]}
_PASSWORD = {"minLength": passwords.MIN_LENGTH, "maxLength": passwords.MAX_LENGTH}
# The database's local time, as it is kept (no offset).
_LOCAL_TIME = {"type": "string", "example": "2026-05-01T10:00:00",
               "description": "ISO 8601 date and time in the server's time zone, without an offset"}


class _StrictBoolean(fields.Boolean):
    """JSON true or false only: `0`, `1` or `"yes"` are refused rather than guessed at."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def _regions(**kwargs) -> fields.List:
    # An empty name is left out; any other follows the rule of a category's region.
    region = {"pattern": f"^\\s*$|{names.pattern(REGION_MAX)}", "example": "Asia"}
    return fields.List(fields.String(metadata=region), metadata={"description": "Empty: every region"}, **kwargs)


def _required(message: str, **metadata) -> fields.String:
    return fields.String(required=True, error_messages={"required": message}, metadata=metadata)


class TokenInSchema(Schema):
    """Credentials and a name for a new token."""

    username = _required("Give your username and password.", example="maria")
    password = _required("Give your username and password.", example="correct horse battery")
    name = _required(f"Give the token a name of 1 to {TOKEN_NAME_MAX} characters, e.g. “nightly import”.",
                     example="nightly import", pattern=r"\S", maxLength=TOKEN_NAME_MAX)


class NewTokenSchema(Schema):
    """A token just made: `token` is shown this once."""

    id = fields.Integer()
    name = fields.String()
    token = fields.String(metadata={"description": "Send as `Authorization: Bearer <token>`; it is never shown again"})


class TokenSchema(Schema):
    """One of the caller's tokens (never its value)."""

    id = fields.Integer()
    name = fields.String()
    created_at = fields.Function(lambda t: t.created_at.isoformat(), metadata=_LOCAL_TIME)
    last_used_at = fields.Function(
        lambda t: t.last_used_at and t.last_used_at.isoformat(),
        metadata={**_LOCAL_TIME, "nullable": True, "description": _LOCAL_TIME["description"] + "; updated at most once a minute"},
    )


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

    username = _required(str(users.USERNAME_RULE), example="maria", pattern=users.USERNAME_PATTERN, maxLength=USERNAME_MAX)
    password = _required(f"A password needs at least {passwords.MIN_LENGTH} characters.", **_PASSWORD)
    role = _required("The role must be one of: viewer, editor, admin.", **_ROLES)
    regions = _regions(load_default=list)


class UserChangesSchema(Schema):
    """Fields to change; those left out stay as they are. `"active": false` disables the account at once."""

    role = fields.String(metadata=_ROLES)
    regions = _regions()
    password = fields.String(metadata=_PASSWORD)
    active = _StrictBoolean()


class UserSchema(Schema):
    """An account."""

    username = fields.String()
    role = fields.String()
    regions = fields.List(fields.String())
    active = fields.Boolean()


class UserListSchema(Schema):
    """Every account by username."""

    users = fields.List(fields.Nested(UserSchema))
