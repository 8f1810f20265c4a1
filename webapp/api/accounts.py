"""JSON endpoints for tokens, the caller and (admins) users: each calls one service of webapp/accounts."""

from flask_smorest import abort

from webapp.accounts import access, signin, throttle, tokens, users
from webapp.accounts.identity import visitor
from webapp.api import bp
from webapp.api.account_schemas import (
    MeSchema,
    NewTokenSchema,
    TokenInSchema,
    TokenListSchema,
    UserChangesSchema,
    UserInSchema,
    UserListSchema,
    UserSchema,
)
from webapp.api.schemas import ApiErrorSchema


@bp.route("/tokens", methods=["POST"])
@bp.arguments(TokenInSchema, error_status_code=400)
@bp.response(201, NewTokenSchema)
@bp.alt_response(401, schema=ApiErrorSchema, description="Wrong username or password")
@bp.alt_response(429, schema=ApiErrorSchema, description="Too many failed attempts for this username or address")
@bp.doc(security=[])
@access.public
@throttle.counts_failures
def create_token(fields):
    """Get an API token.

    Trade a username and password for a named token, shown once and valid until revoked.
    """
    user = signin.check_credentials(fields.get("username"), fields.get("password"), via="api")
    if user is None:
        abort(throttle.FAILED, message="Wrong username or password.")
    if user.must_change_password:
        abort(403, message="Change your password on the profile page before making a token.")
    try:
        token, secret = tokens.create_token(user, fields.get("name"))
    except tokens.InvalidTokenName as exc:
        abort(400, message=str(exc))
    return {"id": token.id, "name": token.name, "token": secret}


@bp.route("/tokens", methods=["GET"])
@bp.response(200, TokenListSchema)
@access.viewer
def list_tokens():
    """List your API tokens."""
    return {"tokens": tokens.list_tokens(visitor().id)}


@bp.route("/tokens/<int:token_id>", methods=["DELETE"])
@bp.response(204)
@bp.alt_response(404, schema=ApiErrorSchema)
@access.viewer
def revoke_token(token_id):
    """Revoke one of your API tokens.

    Requests with it get 401 from now on.
    """
    if not tokens.revoke_token(visitor(), token_id):
        abort(404, message=f"You have no token #{token_id}.")


@bp.route("/me", methods=["GET"])
@bp.response(200, MeSchema)
@access.viewer
def me():
    """Show who you are signed in as.

    Your username, role and regions (empty: every region).
    """
    who = visitor()
    return {"username": who.username, "role": who.role.value, "regions": list(who.scope.names)}


def _account_or_404(username: str):
    account = users.find_user(username)
    if account is None:
        abort(404, message=f"There is no user named “{username}”.")
    return account


@bp.route("/users", methods=["POST"])
@bp.arguments(UserInSchema, error_status_code=400)
@bp.response(201, UserSchema)
@bp.alt_response(400, schema=ApiErrorSchema, description="Invalid username, weak password or unknown role")
@bp.alt_response(409, schema=ApiErrorSchema, description="Username taken")
@access.admin
def create_user(fields):
    """Add a user (admins)."""
    try:
        return users.create_user(fields.get("username"), fields.get("password"), fields.get("role"), fields.get("regions"),
                                 by=visitor().username)
    except users.UsernameTaken as exc:
        abort(409, message=str(exc))
    except users.InvalidAccount as exc:
        abort(400, message=str(exc))


@bp.route("/users", methods=["GET"])
@bp.response(200, UserListSchema)
@access.admin
def list_users():
    """List users (admins)."""
    return {"users": users.list_users()}


@bp.route("/users/<username>", methods=["PATCH"])
@bp.arguments(UserChangesSchema, error_status_code=400, required=False)
@bp.response(200, UserSchema)
@bp.alt_response(400, schema=ApiErrorSchema)
@bp.alt_response(404, schema=ApiErrorSchema)
@bp.alt_response(409, schema=ApiErrorSchema, description="Would leave no active admin")
@access.admin
def update_user(fields, username):
    """Change a user (admins).

    Role, regions, password or `active`; disabling takes effect at once.
    """
    account = _account_or_404(username)
    try:
        return users.update_user(account, users.Changes(**fields), by=visitor().username)
    except users.LastAdmin as exc:
        abort(409, message=str(exc))
    except users.InvalidAccount as exc:
        abort(400, message=str(exc))


@bp.route("/users/<username>", methods=["DELETE"])
@bp.response(204)
@bp.alt_response(404, schema=ApiErrorSchema)
@bp.alt_response(409, schema=ApiErrorSchema, description="Would leave no active admin")
@access.admin
def delete_user(username):
    """Delete a user (admins).

    Their tokens go too; the files they uploaded stay.
    """
    try:
        users.delete_user(_account_or_404(username), by=visitor().username)
    except users.LastAdmin as exc:
        abort(409, message=str(exc))
