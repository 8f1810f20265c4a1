"""The JSON API blueprint (documented as OpenAPI 3 at /api/openapi.json, Swagger UI at /docs)."""

from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint
from swagger_ui_bundle import swagger_ui_path

bp = ApiBlueprint("api", __name__, url_prefix="/api", description="Categories, uploads, totals, search and accounts")

# Swagger UI's scripts and styles, served from the pip package instead of a CDN.
docs_assets = Blueprint("docs_assets", __name__, static_folder=swagger_ui_path, static_url_path="/docs/assets")

# The contract first in the OpenAPI document, then the actions after upload, then accounts.
from webapp.api import routes  # noqa: E402,F401,I001
from webapp.api import changes  # noqa: E402,F401,I001
from webapp.api import accounts  # noqa: E402,F401,I001
from webapp.api import exports  # noqa: E402,F401,I001
