"""The Redis connection of the process, when `REDIS_URL` is configured, and how the process
lives through Redis failing (docs/decisions/0016): every client has short timeouts, and one
failure episode per app says when to try Redis again and logs the outage once."""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import Flask, current_app

from condiviso.ops.episodes import FailureEpisode

log = logging.getLogger(__name__)

# What fails when Redis does: a connection refused or timing out, or a server error.
REDIS_FAILURES: tuple[type[BaseException], ...] = (redis.RedisError, OSError)


def client_options(app: Flask) -> dict[str, float]:
    """Timeouts for every Redis client of the app: a Redis that stalls must not hang a worker."""
    timeout = app.config["REDIS_TIMEOUT_SECONDS"]
    return {"socket_timeout": timeout, "socket_connect_timeout": timeout}


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    client = None
    if url:
        client = redis.Redis.from_url(url, **client_options(app))
    app.extensions["condiviso.redis"] = client
    app.extensions["condiviso.redis.episode"] = FailureEpisode(
        "Redis",
        app.config["REDIS_RETRY_SECONDS"],
        log,
        "rate limits are counted in this process and jobs run in this process",
    )


def get_redis(app: Flask | None = None) -> Any | None:
    """The Redis client, or None when Redis is not configured."""
    return (app or current_app).extensions["condiviso.redis"]


def redis_episode(app: Flask | None = None) -> FailureEpisode:
    """This process's view of Redis's health, shared by rate limits and the job queue."""
    return (app or current_app).extensions["condiviso.redis.episode"]


def redis_key(name: str, app: Flask | None = None) -> str:
    """A key under the deployment's prefix, so several deployments may share one Redis."""
    return f"{(app or current_app).config['REDIS_PREFIX']}{name}"
