"""Forms for the category and upload pages (CSRF-protected by Flask-WTF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import StringField

from webapp.models.category import NAME_MAX, REGION_MAX, TYPE_MAX


class CategoryForm(FlaskForm):
    """create_category(name, region, type); the categories service owns the rules and their messages."""

    name = StringField(_l("Name"), render_kw={"maxlength": NAME_MAX, "required": True})
    region = StringField(_l("Region"), render_kw={"maxlength": REGION_MAX, "required": True})
    type = StringField(_l("Type"), render_kw={"maxlength": TYPE_MAX, "required": True})


class UploadForm(FlaskForm):
    """One or several workbooks for a category."""

    file = MultipleFileField(_l("Workbooks"))


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token matters."""
