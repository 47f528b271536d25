"""Periodic jobs: on every tick, each active tenant's enabled plugins name the jobs to run.

One clock per deployment (`condiviso jobs clock`) calls `tick` every `JOBS_TICK_SECONDS`; in
development, `condiviso jobs tick` does one round by hand.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from condiviso.jobs.enqueueing import enqueue

log = logging.getLogger("condiviso.jobs")

# The key of every periodic job: a tick adds nothing while the last tick's job still waits,
# so a slow worker or two clocks never pile up copies.
PERIODIC_KEY = "periodic"


def tick() -> list[tuple[str, str]]:
    """Queue the periodic jobs of every active tenant; returns (tenant slug, job name) of those
    queued. One tenant's failure is logged and the others still get theirs."""
    from condiviso.plugins import tenant_hook
    from condiviso.tenancy import TenantStatus, get_runtime

    snapshot = get_runtime().registry.snapshot()
    queued: list[tuple[str, str]] = []
    for slug in sorted(snapshot.by_slug):
        tenant = snapshot.by_slug[slug]
        if tenant.status is not TenantStatus.ACTIVE:
            continue
        try:
            results = tenant_hook("condiviso_periodic_jobs", tenant)(tenant=tenant)
            names = sorted({name for result in results for name in (result or ())})
            for name in names:
                if enqueue(name, slug, key=PERIODIC_KEY):
                    queued.append((slug, name))
        except Exception:
            log.exception("periodic jobs of tenant %s could not be queued", slug)
    return queued


def run_clock(
    interval: float,
    ticks: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Tick every `interval` seconds until stopped (or `ticks` times); returns the ticks done.

    A failed tick (Redis unreachable, say) is logged and the clock goes on. A tick that overruns
    the interval is followed by the next one at once, never by a burst of missed ones.
    """
    done = 0
    next_at = clock()
    while ticks is None or done < ticks:
        try:
            queued = tick()
            log.info("tick: %d periodic jobs queued", len(queued))
        except Exception:
            log.exception("tick failed; the next one comes in %s seconds", interval)
        done += 1
        if ticks is not None and done >= ticks:
            break
        next_at = max(next_at + interval, clock())
        sleep(max(0.0, next_at - clock()))
    return done
