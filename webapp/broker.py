"""The app's Redis connection, made once per app: the queue carries jobs on it, health and sweeps ping it."""

from flask import current_app
from redis import Redis


def connection() -> Redis:
    """Return the app's Redis connection, made once per app."""
    redis = current_app.extensions.get("redis")
    if redis is None:
        redis = Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=2)
        current_app.extensions["redis"] = redis
    return redis
