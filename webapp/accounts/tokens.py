"""API tokens: random, shown once, stored only as SHA-256, named, valid until revoked."""

import hashlib
import secrets

from sqlalchemy import select, text

from webapp.accounts import events
from webapp.accounts.identity import TOKEN, VISITOR_COLUMNS, Visitor, note_snapshot, visitor_of
from webapp.extensions import db
from webapp.models import ApiToken, User
from webapp.models.token import TOKEN_NAME_MAX
from webapp.workbook.wording import said

# Recognisable in a leaked config file or a secret scanner's findings.
PREFIX = "wbt_"
# `last_used_at` is written at most this often per token, so reads do not each become a write.
TOUCH_SECONDS = 60
# One unique-index query per request: the token's user, and whether its last use needs writing.
_LOOKUP = text(f"""
    SELECT t.id AS token_id, {VISITOR_COLUMNS},
           (t.last_used_at IS NULL OR t.last_used_at < localtimestamp - interval '{TOUCH_SECONDS} seconds') AS stale
      FROM api_tokens t JOIN users u ON u.id = t.user_id
     WHERE t.token_hash = :hash AND u.active
""")
_TOUCH = text(f"""
    UPDATE api_tokens SET last_used_at = localtimestamp
     WHERE id = :id AND (last_used_at IS NULL OR last_used_at < localtimestamp - interval '{TOUCH_SECONDS} seconds')
""")


class InvalidTokenName(ValueError):
    """A token needs a name of 1 to 64 characters."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User | Visitor, name: object) -> tuple[ApiToken, str]:
    """Create a token for the user; return it with its secret, which is never shown again."""
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > TOKEN_NAME_MAX:
        raise InvalidTokenName(said("Give the token a name of 1 to %(limit)s characters, e.g. “nightly import”.",
                                    limit=str(TOKEN_NAME_MAX)))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_digest(secret))
    db.session.add(token)
    db.session.commit()
    events.token_created(user.username, name, token.id)
    return token, secret


def list_tokens(user_id: int) -> list[ApiToken]:
    """Return a user's tokens, newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())))


def revoke_token(user: User | Visitor, token_id: int) -> bool:
    """Delete one of the user's own tokens; return False if they have no such token."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None:
        return False
    db.session.delete(token)
    db.session.commit()
    events.token_revoked(user.username, token_id)
    return True


def visitor_for(secret: str) -> Visitor | None:
    """Return who a token belongs to (active users only), noting when it was last used; None if unknown."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    row = db.session.execute(_LOOKUP, {"hash": _digest(secret)}).first()
    if row is None:
        return None
    note_snapshot(row)
    if row.stale:
        # Its own short transaction: the answer that follows must start from a clean snapshot (snapshot_cache).
        db.session.execute(_TOUCH, {"id": row.token_id})
        db.session.commit()
    return visitor_of(row, TOKEN, row.token_id)
