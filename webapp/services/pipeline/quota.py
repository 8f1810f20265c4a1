"""What one person may upload: files per hour (UPLOAD_RATE) and the size of the files they keep (UPLOAD_QUOTA_MB).

The rate counts every file sent, accepted or refused, in a moving window kept in the queue's Redis, so every
web process shares it; while Redis is away uploads go on uncounted (they wait for the queue anyway). The
storage quota adds up the sizes of the files a person's uploads keep, so deleting files frees it.
"""

import math
import time
from decimal import Decimal

from flask import current_app
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError
from sqlalchemy import func, select

from webapp import broker
from webapp.extensions import db
from webapp.models import Document
from webapp.workbook.wording import Said, said

MB = 1024 * 1024


class TooManyUploads(Exception):
    """More files than UPLOAD_RATE allows (429); `retry_after` is in seconds."""

    def __init__(self, message: Said, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class OverQuota(Exception):
    """Keeping these files would take the person's files past UPLOAD_QUOTA_MB (413)."""


def count_files(user_id: int | None, files: int) -> None:
    """Count the files of one upload against the person's rate, or raise TooManyUploads, counting none of them."""
    rate = _rate()
    if rate is None or user_id is None or not files:
        return
    try:
        limiter = _limiter()
        if limiter.hit(rate, "uploads", str(user_id), cost=files):
            return
        stats = limiter.get_window_stats(rate, "uploads", str(user_id))
    except (RedisError, StorageError, OSError):
        return
    wait = max(1, math.ceil(stats.reset_time - time.time()))
    raise TooManyUploads(said(
        "You can upload at most %(limit)s files per %(period)s, and this upload has %(count)s (%(left)s more allowed "
        "right now). Please try again in %(wait)s.", limit=rate.amount, period=_period(rate), count=files,
        left=stats.remaining, wait=_duration(wait)), wait)


def check_storage(user_id: int | None, incoming: int) -> None:
    """Raise OverQuota when keeping `incoming` more bytes would take the person's files past their quota."""
    quota_mb = current_app.config["UPLOAD_QUOTA_MB"]
    if not quota_mb or user_id is None:
        return
    used = db.session.scalar(select(func.coalesce(func.sum(Document.size), 0)).where(Document.uploaded_by_id == user_id))
    if used + incoming > quota_mb * MB:
        raise OverQuota(said(
            "This upload (%(size)s MB) would take your files past your storage quota of %(quota)s MB: they take "
            "%(used)s MB already. Delete files you no longer need, or ask whoever runs this site to raise "
            "UPLOAD_QUOTA_MB.", size=_size(incoming), quota=quota_mb, used=_size(used)))


def _rate() -> RateLimitItem | None:
    """Return UPLOAD_RATE parsed (`1000 per hour`), or None when it is off (empty or 0)."""
    setting = current_app.config["UPLOAD_RATE"].strip()
    return None if setting in ("", "0") else parse(setting)


def _limiter() -> MovingWindowRateLimiter:
    """Return this app's limiter, counting in the queue's Redis over its connection (and timeouts)."""
    limiter = current_app.extensions.get("upload_rate")
    if limiter is None:
        storage = RedisStorage("redis://", connection_pool=broker.connection().connection_pool)
        limiter = current_app.extensions["upload_rate"] = MovingWindowRateLimiter(storage)
    return limiter


# The rate's window as the refusal names it: one unit, or several (the limits library's granularities).
_ONE = {"second": said("second"), "minute": said("minute"), "hour": said("hour"), "day": said("day"),
        "month": said("month"), "year": said("year")}


def _period(rate: RateLimitItem) -> Said:
    unit = rate.GRANULARITY.name
    return _ONE[unit] if rate.multiples == 1 else _several(unit, rate.multiples)


def _several(unit: str, count: int) -> Said:
    # said() is called with each literal, so the catalogues hold every form.
    return {"second": said("%(count)s seconds", count=count), "minute": said("%(count)s minutes", count=count),
            "hour": said("%(count)s hours", count=count), "day": said("%(count)s days", count=count),
            "month": said("%(count)s months", count=count), "year": said("%(count)s years", count=count)}[unit]


def _duration(seconds: int) -> Said:
    if seconds < 90:
        return said("1 second") if seconds == 1 else _several("second", seconds)
    minutes = math.ceil(seconds / 60)
    return _several("minute", minutes) if minutes < 90 else _several("hour", math.ceil(minutes / 60))


def _size(size: int) -> Decimal:
    """Return a size in MB to one decimal, as the refusal writes it."""
    return Decimal(size / MB).quantize(Decimal("0.1"))
