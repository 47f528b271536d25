"""The Redis connection of the process, when `REDIS_URL` is configured."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    client = None
    if url:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    app.extensions["condiviso.redis"] = client


def get_redis(app: Flask | None = None) -> Any | None:
    """The Redis client, or None when Redis is not configured."""
    return (app or current_app).extensions["condiviso.redis"]


def redis_key(name: str, app: Flask | None = None) -> str:
    """A key under the deployment's prefix, so several deployments may share one Redis."""
    return f"{(app or current_app).config['REDIS_PREFIX']}{name}"
