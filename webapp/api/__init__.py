"""The JSON API blueprint (documented as OpenAPI 3 at /api/openapi.json, Swagger UI at /docs)."""

from flask import Blueprint, abort
from flask_smorest import Blueprint as ApiBlueprint
from swagger_ui_bundle import swagger_ui_path

bp = ApiBlueprint("api", __name__, url_prefix="/api", description="Categories, uploads, totals, search and accounts")

# What /docs loads (templates/swagger_ui.html). The package also holds its own index.html, which loads the
# public petstore spec, oauth2-redirect.html and source maps: none of them is served.
DOCS_ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"})


class _DocsAssets(Blueprint):
    """Swagger UI's scripts and styles, served from the pip package instead of a CDN: only those /docs needs."""

    def send_static_file(self, filename: str):
        """Send one of DOCS_ASSETS; anything else in the package is not found."""
        if filename not in DOCS_ASSETS:
            abort(404)
        return super().send_static_file(filename)


docs_assets = _DocsAssets("docs_assets", __name__, static_folder=swagger_ui_path, static_url_path="/docs/assets")

# The contract first in the OpenAPI document, then the actions after upload, then accounts.
from webapp.api import routes  # noqa: E402,F401,I001
from webapp.api import changes  # noqa: E402,F401,I001
from webapp.api import accounts  # noqa: E402,F401,I001
from webapp.api import system  # noqa: E402,F401,I001
from webapp.api import exports  # noqa: E402,F401,I001
from webapp.api import history  # noqa: E402,F401,I001
