"""`enqueue`: ask for a job to run for a tenant, on the backend the deployment chose.

During a request, jobs are handed over when the request ends (after its teardown, so after its
work is committed or rolled back): a worker never picks up a job before the data it is about
exists, and an inline job never holds up, or sees, the request that asked for it.

With the rq backend, a job that Redis cannot take (Redis down or timing out) is not lost: it
runs in this process as an inline job would, and Redis is tried again a few seconds later
(docs/decisions/0017).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, has_request_context, request, request_tearing_down

from condiviso.jobs.local import run_here
from condiviso.jobs.names import find_job
from condiviso.redis_connection import REDIS_FAILURES, redis_episode

log = logging.getLogger("condiviso.jobs")

_PENDING = "condiviso.jobs.pending"


@dataclass(frozen=True, slots=True)
class _Request:
    name: str
    tenant_slug: str
    key: str | None
    kwargs: dict[str, Any]


def enqueue(name: str, tenant_slug: str, /, key: str | None = None, **kwargs: Any) -> bool:
    """Have job `name` run for the tenant `tenant_slug` with `kwargs` (JSON values).

    `rq`: the job goes to the Redis queue and a worker runs it (while Redis fails, it runs in
    this process instead). `inline`: it runs in this process (asked for by a request, in the
    background after the response), its failure logged, retried, and never raised here. With a
    `key`, a job with the same (tenant, name, key) still waiting makes this a no-op, and the
    answer is False.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    from condiviso.plugins import get_plugins

    find_job(name, get_plugins(app))
    if not isinstance(tenant_slug, str) or not tenant_slug:
        raise ValueError(f"job {name!r} needs a tenant slug, not {tenant_slug!r}")
    if key is not None and not isinstance(key, str):
        raise TypeError(f"job {name!r}: the key must be a string, not {type(key).__name__}")
    wanted = _Request(name, tenant_slug, key, _json_values(name, kwargs))
    if has_request_context():
        pending: list[_Request] = request.environ.setdefault(_PENDING, [])
        if key is not None and any(_same_key(wanted, other) for other in pending):
            return False
        pending.append(wanted)
        return True
    return _hand_over(app, wanted, in_request=False)


def _json_values(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments as a worker will receive them (tuples become lists, and so on)."""
    try:
        return json.loads(json.dumps(kwargs, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise TypeError(f"job {name!r}: arguments must be JSON values ({error})") from None


def _same_key(one: _Request, other: _Request) -> bool:
    return (one.tenant_slug, one.name, one.key) == (other.tenant_slug, other.name, other.key)


def _hand_over(app: Flask, wanted: _Request, in_request: bool) -> bool:
    if app.config["JOBS_BACKEND"] == "rq":
        from condiviso.jobs import redis_queue

        episode = redis_episode(app)
        if episode.should_try():
            try:
                accepted = redis_queue.submit(
                    app, wanted.name, wanted.tenant_slug, wanted.key, wanted.kwargs
                )
            except REDIS_FAILURES as error:
                episode.failed(error)
            else:
                episode.succeeded()
                return accepted
        log.info(
            "job %s for tenant %s runs in this process: Redis is unreachable",
            wanted.name,
            wanted.tenant_slug,
        )
    return run_here(app, wanted.name, wanted.tenant_slug, wanted.key, wanted.kwargs, in_request)


def _hand_over_pending(app: Flask, **_extra: Any) -> None:
    """At the end of a request, after its own teardown: the jobs it asked for."""
    pending: list[_Request] = request.environ.pop(_PENDING, None) or []
    for wanted in pending:
        try:
            _hand_over(app, wanted, in_request=True)
        except Exception:
            # The response is decided; a job that cannot be queued is reported, not raised.
            log.exception(
                "job %s for tenant %s could not be queued", wanted.name, wanted.tenant_slug
            )


request_tearing_down.connect(_hand_over_pending)
