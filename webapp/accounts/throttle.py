"""Sign-in throttling: only FAILED attempts count, per username and per address (Flask-Limiter on Redis)."""

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from webapp.accounts import events

MESSAGE = "Too many failed sign-ins for this username or from this address. Please wait a minute and try again."
# Views answer 401 to wrong credentials: that, and only that, uses up an attempt.
FAILED = 401


def attempted_username() -> str:
    """Return the username a sign-in form or token request names, folded as accounts compare it."""
    fields = request.get_json(silent=True) if request.is_json else request.form
    username = fields.get("username") if isinstance(fields, dict) or hasattr(fields, "get") else None
    # Flask-Limiter skips a limit whose key is empty: a missing username still counts, under "-".
    return (username.strip().lower() if isinstance(username, str) else "") or "-"


def _limit() -> str:
    return current_app.config["LOGIN_THROTTLE"]


def _failed(response) -> bool:
    return response.status_code == FAILED


def _breached(limit) -> None:
    events.sign_in_throttled(attempted_username())


def counts_failures(view):
    """Mark a sign-in view: 429 once its username or address has failed too often; successes never count."""
    view.counts_failed_sign_ins = True
    return view


def init_app(app: Flask) -> None:
    """Give this app its own limiter (its own Redis) and put both limits on every marked view."""
    # One Limiter per app, not per process: Flask-Limiter keeps its storage on the instance.
    limiter = Limiter(key_func=get_remote_address, default_limits=[], key_prefix="throttle")
    limiter.init_app(app)
    app.extensions["throttle"] = limiter
    by_address = limiter.shared_limit(_limit, scope="sign-in-address", deduct_when=_failed, methods=["POST"],
                                      error_message=MESSAGE, on_breach=_breached)
    by_username = limiter.shared_limit(_limit, scope="sign-in-username", key_func=attempted_username,
                                       deduct_when=_failed, methods=["POST"], error_message=MESSAGE, on_breach=_breached)
    for endpoint, view in list(app.view_functions.items()):
        if getattr(view, "counts_failed_sign_ins", False):
            app.view_functions[endpoint] = by_address(by_username(view))
