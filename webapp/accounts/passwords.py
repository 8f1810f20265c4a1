"""Password rules and argon2id hashing: the one place a password is checked, hashed or compared."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from webapp.workbook.wording import said

MIN_LENGTH = 10
# Long enough for any passphrase; longer input is refused rather than hashed.
MAX_LENGTH = 1000


class WeakPassword(ValueError):
    """A password that does not meet the rules; its Said (args[0]) says which."""


def check_strength(password: object) -> str:
    """Return the password if it is acceptable, or raise WeakPassword saying why."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise WeakPassword(said("A password needs at least %(count)s characters.", count=str(MIN_LENGTH)))
    if len(password) > MAX_LENGTH:
        raise WeakPassword(said("A password can have at most %(count)s characters.", count=str(MAX_LENGTH)))
    return password


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("password_hasher")
    if hasher is None:
        config = current_app.config
        hasher = PasswordHasher(time_cost=config["PASSWORD_HASH_TIME_COST"], memory_cost=config["PASSWORD_HASH_MEMORY_KIB"])
        current_app.extensions["password_hasher"] = hasher
    return hasher


def hash_password(password: str) -> str:
    """Return the argon2id hash to store for an acceptable password."""
    return _hasher().hash(check_strength(password))


def matches(stored_hash: str | None, password: object) -> bool:
    """Tell whether the password matches the stored hash; an unknown user costs the same time as a known one."""
    if not isinstance(password, str) or len(password) > MAX_LENGTH:
        password = ""
    try:
        return _hasher().verify(stored_hash or _decoy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Tell whether a hash was made with other costs than today's, so it is replaced at the next sign-in."""
    return _hasher().check_needs_rehash(stored_hash)


def _decoy_hash() -> str:
    decoy = current_app.extensions.get("password_decoy")
    if decoy is None:
        decoy = current_app.extensions["password_decoy"] = _hasher().hash("not anybody's password")
    return decoy
