"""Forms for signing in, passwords, tokens and accounts (CSRF-protected by Flask-WTF); services own the rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField

from webapp.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from webapp.language import LANGUAGES
from webapp.models import Role
from webapp.models.token import TOKEN_NAME_MAX
from webapp.models.user import USERNAME_MAX

ROLE_CHOICES = [(Role.VIEWER.value, _l("Viewer")), (Role.EDITOR.value, _l("Editor")), (Role.ADMIN.value, _l("Admin"))]
_PASSWORD = {"maxlength": MAX_LENGTH, "minlength": MIN_LENGTH, "autocomplete": "new-password"}


class SignInForm(FlaskForm):
    """Username and password, and where to go afterwards."""

    username = StringField(_l("Username"), render_kw={"maxlength": USERNAME_MAX, "autocomplete": "username", "required": True,
                                                 "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField(_l("Password"), render_kw={"maxlength": MAX_LENGTH, "autocomplete": "current-password",
                                                   "required": True})
    next = HiddenField()


class PasswordForm(FlaskForm):
    """Change one's own password."""

    current = PasswordField(_l("Current password"), render_kw={"autocomplete": "current-password", "required": True})
    new = PasswordField(_l("New password"), render_kw={**_PASSWORD, "required": True})
    repeat = PasswordField(_l("New password again"), render_kw={**_PASSWORD, "required": True})


class TokenForm(FlaskForm):
    """Name a new API token."""

    name = StringField(_l("Token name"), render_kw={"maxlength": TOKEN_NAME_MAX, "required": True})


class NewUserForm(FlaskForm):
    """An admin creates an account."""

    username = StringField(_l("Username"), render_kw={"maxlength": USERNAME_MAX, "required": True, "autocomplete": "off",
                                                 "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField(_l("Password"), render_kw={**_PASSWORD, "required": True})
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.VIEWER.value)
    regions = StringField(_l("Regions"), render_kw={"list": "known-regions"})


class EditUserForm(FlaskForm):
    """An admin changes an account: role, regions, a new password, enabled or not."""

    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    regions = StringField(_l("Regions"), render_kw={"list": "known-regions"})
    password = PasswordField(_l("New password"), render_kw={**_PASSWORD})
    active = BooleanField(_l("Can sign in"))


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token matters."""


class LanguageForm(FlaskForm):
    """Choose the pages' language (the footer's switch and the profile); `next` is the page to go back to."""

    language = SelectField(_l("Language"), choices=list(LANGUAGES.items()))
    next = HiddenField()
