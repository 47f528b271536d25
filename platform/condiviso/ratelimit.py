"""Rate limits (the `limits` library that Flask-Limiter is built on: its storage and its moving
window): in Redis when configured, in memory otherwise. Every key names the site it counts for,
so one district's traffic never spends another's allowance.

Views call `enforce(...)` with the limits that fit them; nothing runs on requests that ask for
no limit (Flask-Limiter's own per-request hooks cost every page time for nothing here). An app
has a limiter of its own, so that several apps in one process never share a storage.

Redis failing never fails a form: limits are then counted in this process's memory (per worker,
so looser) until Redis answers again (docs/decisions/0016)."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from condiviso.ops.episodes import FailureEpisode
from condiviso.redis_connection import REDIS_FAILURES, client_options, redis_episode
from condiviso.tenancy import current_site


class FallbackLimiter:
    """A moving window kept in Redis, counted in this process's memory while Redis fails.

    Redis is tried again at most every few seconds (the app's Redis failure episode), so an
    outage costs each request nothing but a dictionary lookup."""

    def __init__(self, redis_url: str, options: dict[str, float], episode: FailureEpisode):
        self._redis = MovingWindowRateLimiter(storage_from_string(redis_url, **options))
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._episode = episode

    def _call(self, method: str, *args: Any) -> Any:
        if self._episode.should_try():
            try:
                result = getattr(self._redis, method)(*args)
            except REDIS_FAILURES as error:
                self._episode.failed(error)
            else:
                self._episode.succeeded()
                return result
        return getattr(self._memory, method)(*args)

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self._call("hit", item, *identifiers)

    def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self._call("test", item, *identifiers)

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> Any:
        return self._call("get_window_stats", item, *identifiers)


def _site_key() -> str:
    site = current_site()
    return site.tenant.slug if site.tenant is not None else site.kind.value


def per_site_and_address() -> str:
    """The client's address, within this site."""
    return f"{_site_key()}:ip:{request.remote_addr or '127.0.0.1'}"


def per_site_and_email(email: str) -> str:
    """An e-mail address a form is about (hashed), within this site: slows down guessing one
    account's password from many addresses."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"{_site_key()}:email:{digest}"


def _strategy() -> MovingWindowRateLimiter | FallbackLimiter | None:
    return current_app.extensions["condiviso.limiter"]


def _namespace(scope: str) -> str:
    # The deployment's prefix first: several deployments (or test runs) may share one Redis.
    return f"{current_app.config['REDIS_PREFIX']}{scope}"


def _refuse(strategy, item, namespace: str, key: str) -> None:
    reset, _remaining = strategy.get_window_stats(item, namespace, key)
    raise TooManyRequests(retry_after=max(1, int(reset - time.time())))


def enforce(limit: str, key: str, scope: str) -> None:
    """Count one hit against `limit` (e.g. "10/minute") for `key`; 429 when it is spent."""
    strategy = _strategy()
    if strategy is None:
        return
    item, namespace = parse(limit), _namespace(scope)
    if not strategy.hit(item, namespace, key):
        _refuse(strategy, item, namespace, key)


def refuse_if_spent(limit: str, key: str, scope: str) -> None:
    """429 if `limit` is spent for `key`, without counting this request (see `count`)."""
    strategy = _strategy()
    if strategy is None:
        return
    item, namespace = parse(limit), _namespace(scope)
    if not strategy.test(item, namespace, key):
        _refuse(strategy, item, namespace, key)


def count(limit: str, key: str, scope: str) -> None:
    """Count one event (a failed sign-in, say) against `limit` for `key`."""
    strategy = _strategy()
    if strategy is not None:
        strategy.hit(parse(limit), _namespace(scope), key)


def limited(*limits: str, scope: str, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """A view decorator counting each `methods` request per site and address."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if request.method in methods:
                for limit in limits:
                    enforce(limit, per_site_and_address(), scope)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def init_app(app: Flask) -> None:
    limiter: MovingWindowRateLimiter | FallbackLimiter | None = None
    if app.config["RATELIMIT_ENABLED"]:
        url = app.config.get("REDIS_URL")
        limiter = (
            FallbackLimiter(url, client_options(app), redis_episode(app))
            if url
            else MovingWindowRateLimiter(MemoryStorage())
        )
    app.extensions["condiviso.limiter"] = limiter
