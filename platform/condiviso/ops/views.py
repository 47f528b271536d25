"""Health probes, answered on every host (load balancers probe by IP address)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, jsonify

from condiviso.accounts.roles import Audience, allow
from condiviso.extensions import db
from condiviso.redis_connection import get_redis

log = logging.getLogger(__name__)
blueprint = Blueprint("ops", __name__)


@blueprint.get("/healthz")
@allow(Audience.EVERYONE)
def healthz():
    """The process is alive and serving."""
    return jsonify(status="ok")


@blueprint.get("/readyz")
@allow(Audience.EVERYONE)
def readyz():
    """Whether this instance can serve: 503 only for what it cannot serve without, the platform
    database (reachable and migrated). Redis down is reported as `degraded` with a 200: the app
    lives through it (limits in memory, jobs run here), so a Redis blip must not make the load
    balancer pull every instance at once."""
    checks: dict[str, str] = {}
    try:
        with db.engines["platform"].connect() as connection:
            # The registry's own table: reachable *and* migrated.
            connection.execute(sa.text("SELECT version FROM registry_state"))
        checks["platform_database"] = "ok"
    except Exception as error:
        log.warning("readiness: platform database unreachable: %s", error)
        checks["platform_database"] = "unreachable"
    redis = get_redis()
    if redis is not None:
        try:
            redis.ping()
            checks["redis"] = "ok"
        except Exception as error:
            log.warning("readiness: redis unreachable: %s", error)
            checks["redis"] = "degraded"
    if checks["platform_database"] != "ok":
        return jsonify(status="unavailable", checks=checks), 503
    degraded = any(value != "ok" for value in checks.values())
    return jsonify(status="degraded" if degraded else "ok", checks=checks), 200
