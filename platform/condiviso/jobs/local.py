"""The process's own runner: one background thread running jobs one after another, and trying
failed ones again after their retry intervals, as RQ would.

It runs the jobs of the inline backend that a request asked for (so a slow job, such as an
e-mail to a slow server, never delays the response), the retries of inline jobs that failed,
and, with the rq backend, the jobs Redis could not take while it was down (docs/decisions/0017).
Jobs waiting here live in this process's memory: when the process ends normally it finishes
those due, and logs those it could not.
"""

from __future__ import annotations

import atexit
import contextvars
import heapq
import itertools
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from condiviso.jobs.names import UnknownJob, job_policy
from condiviso.jobs.runner import execute

log = logging.getLogger("condiviso.jobs")

# How long a process that is ending waits for the jobs already due.
AT_EXIT_SECONDS = 10.0
_runners: weakref.WeakSet[LocalRunner] = weakref.WeakSet()


@dataclass(order=True)
class _Waiting:
    due: float
    order: int
    name: str = field(compare=False)
    tenant_slug: str = field(compare=False)
    key: str | None = field(compare=False)
    kwargs: dict[str, Any] = field(compare=False)
    attempt: int = field(compare=False, default=0)

    @property
    def identity(self) -> tuple[str, str, str | None]:
        return (self.tenant_slug, self.name, self.key)


class LocalRunner:
    """Jobs of one app, run in a background thread of this process."""

    def __init__(self, app: Flask, clock: Callable[[], float] = time.monotonic) -> None:
        self._app = app
        self._clock = clock
        self._condition = threading.Condition()
        self._waiting: list[_Waiting] = []
        self._order = itertools.count()
        self._running: _Waiting | None = None
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._stopped = False
        _runners.add(self)

    def submit(self, name: str, tenant_slug: str, key: str | None, kwargs: dict[str, Any]) -> bool:
        """Run the job soon; False (and nothing changes) when a job with the same key waits."""
        return self._add(_Waiting(self._clock(), 0, name, tenant_slug, key, kwargs))

    def retry_later(
        self, name: str, tenant_slug: str, key: str | None, kwargs: dict[str, Any], attempt: int
    ) -> bool:
        """After failure number `attempt` (1 for the first), try again after the job's next
        retry interval; False, logged, when it has none left."""
        retries = job_policy(name).retries
        if attempt > len(retries):
            log.error(
                "job %s for tenant %s failed %d times; not tried again", name, tenant_slug, attempt
            )
            return False
        due = self._clock() + retries[attempt - 1]
        return self._add(_Waiting(due, 0, name, tenant_slug, key, kwargs, attempt))

    def _add(self, entry: _Waiting) -> bool:
        with self._condition:
            if entry.key is not None and any(
                other.identity == entry.identity for other in self._holding()
            ):
                return False
            entry.order = next(self._order)
            heapq.heappush(self._waiting, entry)
            self._ensure_thread()
            self._condition.notify_all()
        return True

    def _holding(self) -> list[_Waiting]:
        return [*self._waiting, *([self._running] if self._running is not None else [])]

    def _ensure_thread(self) -> None:
        if os.getpid() != self._pid:
            # A forked child (a gunicorn worker) has no thread of its parent's: start its own.
            self._pid, self._thread = os.getpid(), None
        if self._stopped or (self._thread is not None and self._thread.is_alive()):
            return
        self._thread = threading.Thread(
            target=self._work, name=f"condiviso-jobs-{id(self):x}", daemon=True
        )
        self._thread.start()

    def _next(self) -> _Waiting | None:
        with self._condition:
            while not self._stopped:
                now = self._clock()
                if self._waiting and self._waiting[0].due <= now:
                    self._running = heapq.heappop(self._waiting)
                    return self._running
                timeout = self._waiting[0].due - now if self._waiting else None
                self._condition.wait(timeout)
            return None

    def _work(self) -> None:
        while (entry := self._next()) is not None:
            try:
                contextvars.Context().run(
                    execute, self._app, entry.name, entry.tenant_slug, entry.kwargs
                )
            except UnknownJob:
                pass  # logged by `execute`; no retry can find it either
            except Exception:
                # `execute` logged the failure with the job and its tenant.
                with self._condition:
                    self._running = None
                self.retry_later(
                    entry.name, entry.tenant_slug, entry.key, entry.kwargs, entry.attempt + 1
                )
            with self._condition:
                self._running = None
                self._condition.notify_all()

    def _busy(self) -> bool:
        now = self._clock()
        return self._running is not None or any(w.due <= now for w in self._waiting)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no job is running or due (retries due later do not count); False if
        `timeout` seconds passed first."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._busy():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._condition.wait(min(left, 0.05))
        return True

    def retry_now(self) -> int:
        """Make every job waiting for a retry due now; returns how many there were."""
        with self._condition:
            now = self._clock()
            for entry in self._waiting:
                entry.due = min(entry.due, now)
            heapq.heapify(self._waiting)
            self._condition.notify_all()
            return len(self._waiting)

    def waiting(self) -> int:
        """Jobs not run yet (due now or waiting for a retry), the running one included."""
        with self._condition:
            return len(self._holding())

    def stop(self) -> None:
        """Stop the thread; jobs still waiting are logged and dropped."""
        with self._condition:
            self._stopped = True
            dropped, self._waiting = self._waiting, []
            self._condition.notify_all()
        for entry in dropped:
            log.error(
                "job %s for tenant %s not run: the runner stopped", entry.name, entry.tenant_slug
            )


def local_runner(app: Flask) -> LocalRunner:
    """The app's runner in this process (created on first use)."""
    runner = app.extensions.get("condiviso.jobs.local")
    if runner is None:
        runner = app.extensions.setdefault("condiviso.jobs.local", LocalRunner(app))
    return runner


def run_here(
    app: Flask,
    name: str,
    tenant_slug: str,
    key: str | None,
    kwargs: dict[str, Any],
    in_request: bool,
) -> bool:
    """Run a job in this process: from a request, in the background runner (the response never
    waits for it); elsewhere (the CLI, a job, the clock), at once, its retries, if it fails,
    in the background runner. A failure is logged, never raised to the caller."""
    runner = local_runner(app)
    if in_request:
        return runner.submit(name, tenant_slug, key, kwargs)
    try:
        contextvars.Context().run(execute, app, name, tenant_slug, kwargs)
    except UnknownJob:
        pass
    except Exception:
        runner.retry_later(name, tenant_slug, key, kwargs, 1)
    return True


@atexit.register
def _finish_at_exit() -> None:
    for runner in list(_runners):
        if runner.waiting():
            runner.wait_idle(AT_EXIT_SECONDS)
            runner.stop()
