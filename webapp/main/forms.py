"""Forms for the category and upload pages (CSRF-protected by Flask-WTF)."""

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from webapp.models.category import NAME_MAX, REGION_MAX, TYPE_MAX


class CategoryForm(FlaskForm):
    """create_category(name, region, type)."""

    name = StringField("Name", validators=[DataRequired("Name is required."), Length(max=NAME_MAX)])
    region = StringField("Region", validators=[DataRequired("Region is required."), Length(max=REGION_MAX)])
    type = StringField("Type", validators=[DataRequired("Type is required."), Length(max=TYPE_MAX)])


class UploadForm(FlaskForm):
    """One or several workbooks for a category."""

    file = MultipleFileField("Workbooks")
