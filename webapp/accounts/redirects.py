"""Where to send someone after a form: only ever a path on this site (no open redirect)."""

from urllib.parse import urlsplit

from flask import request


def safe_path(target: str | None, fallback: str) -> str:
    """Return target when it is a path on this site (`/…`, not `//host` or `https://…`), else fallback."""
    if not target or not isinstance(target, str):
        return fallback
    target = target.strip()
    # Browsers read a backslash as a slash and drop control characters: `/\\evil.example` leaves the site.
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(ord(c) < 33 for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def back_to_referrer(fallback: str) -> str:
    """Return the page the form was on, when it is on this site, else fallback."""
    referrer = request.referrer
    if not referrer:
        return fallback
    parts = urlsplit(referrer)
    if parts.netloc != request.host:
        return fallback
    return safe_path(parts.path + (f"?{parts.query}" if parts.query else ""), fallback)
