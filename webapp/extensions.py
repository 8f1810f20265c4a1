"""Unbound Flask extensions, bound to an app in the factory."""

from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from webapp.error_schema import ApiErrorSchema


class Base(DeclarativeBase):
    """Declarative base shared by every model."""


class JsonErrorApi(Api):
    """flask-smorest Api that leaves error pages to the app's own handlers, and documents the body they send."""

    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self):
        pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
api = JsonErrorApi()
