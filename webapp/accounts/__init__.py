"""Accounts and permissions: who is asking, what their role lets them do, which regions they see.

Every view and query asks here: `access` (the rule each route declares, enforced once per request),
`scope` (the regions a user sees; answers filter through it), `identity` (who is asking), `recognise` (from the session or a token),
`tokens`, `users`, `passwords`, `first_admin`, `throttle` (failed sign-ins), `headers` (CSP and
friends), `redirects` (only to paths of this site), `events` (one function per account event).
"""

from flask import Flask

from webapp.accounts import access, headers, recognise, throttle


def init_app(app: Flask) -> None:
    """Identify every request, enforce the routes' rules, throttle failed sign-ins and send security headers
    (after the blueprints are registered: the sign-in views get their limits here)."""
    recognise.init_app(app)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)  # Redis away: sign-ins still work, unthrottled
    throttle.init_app(app)
    headers.init_app(app)
    app.before_request(access.check_request)
    app.add_template_global(access.allowed, "allowed")
    for endpoint in ("static", "docs_assets.static"):
        access.declare(app, endpoint, access.PUBLIC)
    # The OpenAPI document is part of the API (token or session); Swagger UI is a page like the others.
    access.declare(app, "api-docs.openapi_json", access.VIEWER)
    access.declare(app, "api-docs.openapi_swagger_ui", access.VIEWER)
