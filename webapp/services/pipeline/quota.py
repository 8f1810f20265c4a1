"""What one person may upload: files per hour (UPLOAD_RATE) and the size of the files they keep (UPLOAD_QUOTA_MB).

The rate counts every file sent, accepted or refused, in a moving window kept in the queue's Redis, so every
web process shares it; while Redis is away uploads go on uncounted (they wait for the queue anyway). The
storage quota adds up the sizes of the files a person's uploads keep, so deleting files frees it.
"""

import math
import time

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

MB = 1024 * 1024


class TooManyUploads(Exception):
    """More files than UPLOAD_RATE allows (429); `retry_after` is in seconds."""

    def __init__(self, message: str, retry_after: int):
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
    raise TooManyUploads(
        f"You can upload at most {rate.amount:,} files per {_period(rate)}, and this upload has {files:,} "
        f"({stats.remaining:,} more allowed right now). Please try again in {_duration(wait)}.", wait)


def check_storage(user_id: int | None, incoming: int) -> None:
    """Raise OverQuota when keeping `incoming` more bytes would take the person's files past their quota."""
    quota_mb = current_app.config["UPLOAD_QUOTA_MB"]
    if not quota_mb or user_id is None:
        return
    used = db.session.scalar(select(func.coalesce(func.sum(Document.size), 0)).where(Document.uploaded_by_id == user_id))
    if used + incoming > quota_mb * MB:
        raise OverQuota(
            f"This upload ({_size(incoming)}) would take your files past your storage quota of {quota_mb:,} MB: "
            f"they take {_size(used)} already. Delete files you no longer need, or ask whoever runs this site "
            "to raise UPLOAD_QUOTA_MB.")


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


def _period(rate: RateLimitItem) -> str:
    unit = rate.GRANULARITY.name
    return unit if rate.multiples == 1 else f"{rate.multiples} {unit}s"


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes" if minutes < 90 else f"{math.ceil(minutes / 60)} hours"


def _size(size: int) -> str:
    return f"{size / MB:,.1f} MB"
