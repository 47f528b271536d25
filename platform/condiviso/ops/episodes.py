"""Failure episodes of one dependency (Redis, the platform database): whether to try it again
now, and one log line when it starts failing and one when it answers again.

Without this, every request during an outage would pay the dependency's timeout and write its
own warning; with it, a worker tries again at most every `retry_seconds` and says so once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable


class FailureEpisode:
    """The health of one dependency, as this process has seen it."""

    def __init__(
        self,
        what: str,
        retry_seconds: float,
        logger: logging.Logger,
        fallback: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.retry_seconds = retry_seconds
        self._log = logger
        self._fallback = fallback
        self._clock = clock
        self._lock = threading.Lock()
        self._since: float | None = None
        self._retry_at = float("-inf")

    @property
    def failing(self) -> bool:
        return self._since is not None

    def failing_for(self) -> float:
        """Seconds since the episode began (0 when the dependency is healthy)."""
        since = self._since
        return 0.0 if since is None else self._clock() - since

    def should_try(self) -> bool:
        """True when healthy, and once every `retry_seconds` while failing."""
        if self._since is None:
            return True
        with self._lock:
            now = self._clock()
            if now < self._retry_at:
                return False
            # One caller gets to try; the others keep using the fallback meanwhile.
            self._retry_at = now + self.retry_seconds
            return True

    def failed(self, error: BaseException) -> None:
        """Record a failure; the first of an episode is logged as a warning."""
        with self._lock:
            now = self._clock()
            first = self._since is None
            if first:
                self._since = now
            self._retry_at = now + self.retry_seconds
        if first:
            self._log.warning(
                "%s unreachable (%s: %s); %s, trying again every %s s",
                self.what,
                type(error).__name__,
                error,
                self._fallback,
                self.retry_seconds,
            )

    def succeeded(self) -> None:
        """Record an answer; the end of an episode is logged."""
        if self._since is None:
            return
        with self._lock:
            since, self._since = self._since, None
            self._retry_at = float("-inf")
        if since is not None:
            self._log.warning(
                "%s answers again after %.1f s of failures", self.what, self._clock() - since
            )
