"""Security headers on every response (Flask-Talisman): a CSP without inline scripts, no framing, no sniffing."""

from flask import Flask
from flask_talisman import Talisman

# Scripts, styles and frames only from this site. Swagger UI's stylesheet draws icons from data: URLs.
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def init_app(app: Flask) -> None:
    """Send the headers on every response; HTTPS itself is the business of the proxy in front."""
    # One Talisman per app, not per process: it keeps its app and settings on the instance.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,
        content_security_policy=POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        strict_transport_security=app.config["SESSION_COOKIE_SECURE"],
    )
