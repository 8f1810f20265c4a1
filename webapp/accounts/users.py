"""Manage accounts: create, change, disable and delete users; the last active admin is always kept."""

import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from webapp import names
from webapp.accounts import events, passwords
from webapp.extensions import db
from webapp.models import Role, User
from webapp.models.user import REGION_MAX, USERNAME_MAX
from webapp.workbook.wording import said, wording

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]*$"
_USERNAME = re.compile(USERNAME_PATTERN)
# The roles as the API names them; a page says them in its language (the catalogues translate the list whole).
ROLE_RULE = said("The role must be one of: %(roles)s.", roles=said("viewer, editor, admin"))
USERNAME_RULE = said("A username has 1 to %(limit)s letters, digits or . _ @ - and starts with a letter or digit.",
                     limit=str(USERNAME_MAX))


class AccountError(Exception):
    """A change to an account that cannot be made; its Said (args[0]) says why in plain words (str(): English)."""


class InvalidAccount(AccountError):
    """A field is missing or wrong (bad username, weak password, unknown role, bad region)."""


class UsernameTaken(AccountError):
    """Another account already has this username (in any letter case)."""


class LastAdmin(AccountError):
    """The change would leave no active admin to manage the site."""


@dataclass
class Changes:
    """What an admin asks to change about an account; None leaves a field as it is."""

    role: object = None
    regions: object = None
    password: object = None
    active: object = None


def clean_username(username: object) -> str:
    """Return a valid username, or raise InvalidAccount saying what a username may hold."""
    value = username.strip() if isinstance(username, str) else ""
    if not value or len(value) > USERNAME_MAX or not _USERNAME.match(value):
        raise InvalidAccount(USERNAME_RULE)
    return value


def clean_role(role: object) -> Role:
    """Return the role named, or raise InvalidAccount listing the roles."""
    try:
        return Role(role.strip().lower() if isinstance(role, str) else role)
    except ValueError:
        raise InvalidAccount(ROLE_RULE) from None


def clean_regions(regions: object) -> list[str]:
    """Return the region names (empty: every region), trimmed and without repeats, or raise InvalidAccount."""
    if isinstance(regions, str):
        regions = regions.split(",")
    if regions is None:
        return []
    if not isinstance(regions, list | tuple) or not all(isinstance(r, str) for r in regions):
        raise InvalidAccount(said("Regions must be a list of region names; an empty list means every region."))
    cleaned: dict[str, str] = {}
    for region in (names.spelling(r) for r in regions):
        if len(region) > REGION_MAX:
            raise InvalidAccount(said("A region name has at most %(limit)s characters.", limit=str(REGION_MAX)))
        if region and (reason := names.unusable(region)):
            raise InvalidAccount(said("A region name %(reason)s", reason=reason))
        if region:
            cleaned.setdefault(names.key(region), region)
    return sorted(cleaned.values(), key=names.key)


def _password_hash(password: object) -> str:
    try:
        return passwords.hash_password(password)
    except passwords.WeakPassword as exc:
        raise InvalidAccount(wording(exc)) from None


def find_user(username: str) -> User | None:
    """Return the account with this username, matching letter case loosely."""
    if not isinstance(username, str):
        return None
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def list_users() -> list[User]:
    """Return every account by username."""
    return list(db.session.scalars(select(User).order_by(func.lower(User.username))))


def count_users() -> int:
    """Return how many accounts exist."""
    return db.session.scalar(select(func.count()).select_from(User))


def create_user(username: object, password: object, role: object, regions: object = (), *, by: str,
                must_change_password: bool = False) -> User:
    """Create an account, or raise InvalidAccount / UsernameTaken with the reason."""
    user = User(username=clean_username(username), role=clean_role(role).value, regions=clean_regions(regions),
                must_change_password=must_change_password)
    if find_user(user.username) is not None:
        raise UsernameTaken(said("The username “%(name)s” is taken.", name=user.username))
    user.password_hash = _password_hash(password)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise UsernameTaken(said("The username “%(name)s” is taken.", name=user.username)) from exc
    events.user_created(user.username, by, user.role, user.regions)
    return user


def update_user(user: User, changes: Changes, *, by: str) -> User:
    """Apply an admin's changes to an account in one transaction; a disabled user is signed out everywhere."""
    wanted = _validated(changes)
    was_admin = _lock_admins(user)
    changed = [name for name in ("role", "regions", "active") if name in wanted and getattr(user, name) != wanted[name]]
    changed += ["password"] if "password_hash" in wanted else []
    for name, value in wanted.items():
        setattr(user, name, value)
    if {"password", "active"} & set(changed):
        user.session_version += 1  # every session of the old password, or of before the disabling, ends
    if was_admin and not _active_admin(user):
        _keep_an_admin()
    if changed:
        user.updated_at = func.now()
    db.session.commit()
    if "active" in changed and not user.active:
        events.user_disabled(user.username, by)
    if changed:
        events.user_changed(user.username, by, changed)
    return user


def _validated(changes: Changes) -> dict[str, object]:
    """Return the columns to set, checking every field before anything changes."""
    wanted: dict[str, object] = {}
    if changes.role is not None:
        wanted["role"] = clean_role(changes.role).value
    if changes.regions is not None:
        wanted["regions"] = clean_regions(changes.regions)
    if changes.active is not None:
        if not isinstance(changes.active, bool):
            raise InvalidAccount(said("“active” must be true or false."))
        wanted["active"] = changes.active
    if changes.password is not None:
        wanted["password_hash"], wanted["must_change_password"] = _password_hash(changes.password), False
    return wanted


def delete_user(user: User, *, by: str) -> None:
    """Delete an account with its tokens; the files it uploaded stay, their uploader unknown."""
    username = user.username
    was_admin = _lock_admins(user)
    db.session.delete(user)
    if was_admin:
        _keep_an_admin()
    db.session.commit()
    events.user_deleted(username, by)


def _active_admin(user: User) -> bool:
    return user.role == Role.ADMIN.value and user.active


def _lock_admins(user: User) -> bool:
    """Before changing an active admin, lock every admin row (two admins demoting each other queue, and one is
    refused); return whether the user was one."""
    if not _active_admin(user):
        return False
    db.session.execute(select(User.id).where(User.role == Role.ADMIN.value).order_by(User.id).with_for_update())
    return True


def _keep_an_admin() -> None:
    """Refuse (and roll back) a change that leaves no active admin."""
    db.session.flush()
    left = db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN.value, User.active))
    if not left:
        db.session.rollback()
        raise LastAdmin(said("This is the last active admin: make another user an admin first."))


def change_own_password(user_id: int, current: object, new: object) -> User:
    """Change one's own password after checking the current one; other sessions of the account end."""
    user = db.session.get(User, user_id)
    if user is None or not passwords.matches(user.password_hash, current):
        raise InvalidAccount(said("The current password is not right."))
    if current == new:
        raise InvalidAccount(said("Choose a new password, different from the current one."))
    user.password_hash = _password_hash(new)
    user.must_change_password = False
    user.session_version += 1
    user.updated_at = func.now()
    db.session.commit()
    events.user_changed(user.username, user.username, ["password"])
    return user


def set_language(user_id: int, language: str) -> None:
    """Keep the language a user chose, so every browser they sign in from speaks it."""
    db.session.execute(update(User).where(User.id == user_id).values(language=language))
    db.session.commit()
