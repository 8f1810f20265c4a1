"""The app's Redis connection, made once per app: the queue carries jobs on it, health and sweeps ping it.

Also the names on it that the pipeline writes and the answers read (neither imports the other's code).
"""

from flask import current_app
from redis import Redis

# The queue every job goes on; the search index rebuild's one job id (so a second click joins the first);
# the record of the last totals check ({"at", "mismatches"}, JSON).
DOCUMENTS_QUEUE = "documents"
REBUILD_JOB_ID = "rebuild-search-index"
TOTALS_CHECK_KEY = "totals:last-check"


def connection() -> Redis:
    """Return the app's Redis connection, made once per app."""
    redis = current_app.extensions.get("redis")
    if redis is None:
        redis = Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=2)
        current_app.extensions["redis"] = redis
    return redis
