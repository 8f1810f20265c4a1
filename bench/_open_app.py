"""gunicorn entry for the authentication baseline: the same app with the accounts' per-request work taken out.

No token is looked up, no route rule checked, no rate-limit hook or security header runs: every request
is answered as for an admin who sees every region, as before accounts existed. bench/scale.py measures a
few paths here and on the real app; the difference is what authentication costs a request.
Bench-only: nothing here is reachable from the product.
"""

from flask import g
from flask_limiter import Limiter
from flask_talisman import Talisman

from webapp import create_app
from webapp.accounts import access
from webapp.accounts.identity import TOKEN, Visitor
from webapp.accounts.scope import EVERYTHING
from webapp.models import Role

EVERY_REGION_ADMIN = Visitor(0, "bench", Role.ADMIN, EVERYTHING, via=TOKEN)


def _accounts_hook(hook) -> bool:
    # Bound methods of the limiter and Talisman, or functools.partial(…, limiter) for the limiter's headers.
    owners = [getattr(hook, "__self__", None), *getattr(hook, "args", ())]
    return hook is access.check_request or any(isinstance(owner, Limiter | Talisman) for owner in owners)


def _as_admin() -> None:
    g._login_user = EVERY_REGION_ADMIN  # Flask-Login's place for the request's user: nothing is loaded


app = create_app()
app.before_request_funcs[None] = [_as_admin] + [h for h in app.before_request_funcs[None] if not _accounts_hook(h)]
app.after_request_funcs[None] = [h for h in app.after_request_funcs[None] if not _accounts_hook(h)]
