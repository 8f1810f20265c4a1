"""Application factory: a short list of extensions and blueprints bound to one app."""

import secrets

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.config import Config

# Recorded in every backup's manifest beside the schema revision (webapp/version.py); raise it with each release.
from webapp.version import __version__  # noqa: F401 - the package states its version


def create_app(config: Config | None = None) -> Flask:
    """Build the web app from a config object (environment-driven by default)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config or Config())
    _require_settings(app)

    from webapp import accounts, cli, errors, input_guard, language, logs, metrics
    from webapp.accounts.identity import visitor
    from webapp.extensions import api, csrf, db, migrate

    _trust_proxies(app)
    # First: every request is timed, counted and given its request id, whatever answers it.
    logs.init_app(app)
    metrics.init_app(app)
    # Before CSRF and the blueprints: odd input gets its own message, and every route the id converter.
    input_guard.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    language.init_app(app, profile_language=lambda: getattr(visitor(), "language", None))
    api.init_app(app, spec_kwargs=_api_security())
    _register_blueprints(app)
    accounts.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from webapp.api import bp as api_bp
    from webapp.api import docs_assets
    from webapp.explore import bp as explore_bp
    from webapp.extensions import api, csrf
    from webapp.main import bp as main_bp
    from webapp.people import bp as people_bp
    from webapp.system import bp as system_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(explore_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(system_bp)
    app.register_blueprint(docs_assets)
    csrf.exempt(api_bp)
    api.register_blueprint(api_bp)


def _trust_proxies(app: Flask) -> None:
    """Read the client's address, scheme and host from the X-Forwarded-* headers of our own proxies only."""
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
def _api_security() -> dict:
    """Describe in the OpenAPI document how the API is signed in to: a bearer token, or the pages' session."""
    return {
        "components": {"securitySchemes": {
            "bearerToken": {"type": "http", "scheme": "bearer",
                            "description": "A token from POST /api/tokens or the profile page (shown once)."},
            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session",
                              "description": "The pages' sign-in; writes then need the X-CSRFToken header."},
        }},
        "security": [{"bearerToken": []}, {"sessionCookie": []}],
    }


def _require_settings(app: Flask) -> None:
    for name in ("SQLALCHEMY_DATABASE_URI", "REDIS_URL"):
        if not app.config.get(name):
            raise RuntimeError(f"{name} is not set: set {name.replace('SQLALCHEMY_DATABASE_URI', 'DATABASE_URL')}.")
    if not app.config.get("SECRET_KEY"):
        if app.config.get("REQUIRE_SECRET"):
            raise RuntimeError("SECRET_KEY is not set; production needs a fixed secret.")
        app.config["SECRET_KEY"] = secrets.token_hex(32)
