"""Running one job: in an app, inside its tenant's context, only for an active tenant.

The tenant is named by its slug and read fresh from the registry each time (DESIGN.md §3):
nothing of the process that queued the job (its request, its user, its tenant) reaches the job.
"""

from __future__ import annotations

import enum
import logging
from typing import Any

from flask import Flask

from condiviso.errors import NotFound
from condiviso.extensions import db
from condiviso.jobs.names import UnknownJob, find_job, job_policy

log = logging.getLogger("condiviso.jobs")


class Outcome(enum.StrEnum):
    DONE = "done"
    NO_TENANT = "no_tenant"  # unknown, or offboarded
    INACTIVE = "inactive"  # suspended, or still provisioning


def execute(app: Flask, name: str, tenant_slug: str, kwargs: dict[str, Any]) -> Outcome:
    """Run job `name` for the tenant now, in an app context of its own.

    Skips (and logs) a tenant that does not exist or is not active (or suspended, for a job
    registered with `suspended=True`). The job's changes are committed when it returns; its
    exception is logged with the job and the tenant, and raised.
    """
    from condiviso.plugins import get_plugins
    from condiviso.tenancy import TenantStatus, find_tenant, tenant_context

    with app.app_context():
        try:
            function = find_job(name, get_plugins(app))
        except UnknownJob:
            log.error("job %s for tenant %s: no such job is registered", name, tenant_slug)
            raise
        try:
            tenant = find_tenant(tenant_slug, app)
        except NotFound:
            log.warning("job %s skipped: tenant %r does not exist", name, tenant_slug)
            return Outcome.NO_TENANT
        except Exception:
            log.exception(
                "job %s for tenant %s failed: the registry cannot be read%s",
                name,
                tenant_slug,
                _retry_note(),
            )
            raise
        runs_for = {TenantStatus.ACTIVE}
        if job_policy(name).suspended:
            runs_for.add(TenantStatus.SUSPENDED)
        if tenant.status not in runs_for:
            log.warning("job %s skipped: tenant %s is %s", name, tenant.slug, tenant.status.value)
            return Outcome.INACTIVE
        with tenant_context(tenant, app):
            try:
                function(**kwargs)
                db.session.commit()
            except Exception:
                log.exception("job %s for tenant %s failed%s", name, tenant.slug, _retry_note())
                raise
    return Outcome.DONE


def _retry_note() -> str:
    from rq import get_current_job

    current = get_current_job()
    if current is None:
        return ""
    return f" (RQ job {current.id}, retries left: {current.retries_left or 0})"
