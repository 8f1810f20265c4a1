"""Whole pages served again while the database is unchanged: the same HTML for one person, address and language.

A page is rendered once per PostgreSQL snapshot (services/answers/snapshot_cache.py: any commit anywhere shows in
the very next answer) for each person, address (path and query) and language. The only part that differs from one
request to the next, the session's CSRF token, stands in the kept HTML as a slot that every answer fills in. Never
kept: a page with flashed messages waiting (they show once), an answer other than 200, a request other than GET.
"""

import secrets
from collections.abc import Callable

from flask import g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from webapp.services.answers import snapshot_cache

# Where kept HTML has the session's CSRF token. Random per process: no stored text (a file's name) can match it.
CSRF_SLOT = Markup(f"csrf-token-{secrets.token_hex(16)}")
_CSRF_FIELD = "csrf_token"  # where Flask-WTF keeps this request's token (g.<WTF_CSRF_FIELD_NAME>)

Rendered = tuple[str, int]


class _NotKept(Exception):
    """A page that must not be kept, carried out of the cache with its answer."""

    def __init__(self, answer: Rendered):
        super().__init__("not kept")
        self.answer = answer


def with_token(html: str) -> Markup:
    """Put this session's CSRF token where the slot stands."""
    return Markup(html.replace(CSRF_SLOT, generate_csrf()))


def cached_page(render: Callable[[], Rendered], keep: bool = True) -> Rendered:
    """Return `render()`'s page and status, rendered once per snapshot for this person, address and language."""
    if not keep or request.method != "GET" or session.get("_flashes"):
        return render()
    key = ("page", request.script_root, request.full_path, current_user.get_id(), str(get_locale()))
    try:
        html, status = snapshot_cache.cached(key, lambda: _with_slot(render))
    except _NotKept as kept_out:
        html, status = kept_out.answer
    return with_token(html), status


def _with_slot(render: Callable[[], Rendered]) -> Rendered:
    """Render with the slot wherever the page (or a form of it) asks for the CSRF token."""
    had = g.pop(_CSRF_FIELD, None)
    setattr(g, _CSRF_FIELD, CSRF_SLOT)
    try:
        html, status = render()
    finally:
        g.pop(_CSRF_FIELD, None)
        if had is not None:
            setattr(g, _CSRF_FIELD, had)
    if status != 200:
        raise _NotKept((str(html), status))
    return str(html), status
