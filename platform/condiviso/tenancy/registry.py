"""The tenant registry's rows and their audit: registering a district, its database, its name
and plan, and how every change is recorded.

Each change is written with its audit row and a bump of the registry version in one transaction,
then announced to every worker (`record_change`, `commit_change`). A change that changes nothing
writes nothing. The CLI and the platform console call these same functions; a district's
lifecycle is in `tenancy.lifecycle`, its custom domains in `tenancy.domains`.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from condiviso.errors import Conflict, NotFound
from condiviso.extensions import db
from condiviso.redaction import redact_values
from condiviso.tenancy.databases import (
    create_tenant_database,
    database_exists,
    migrate_database,
    tenant_database_url,
)
from condiviso.tenancy.migrations import History
from condiviso.tenancy.models import RegistryAudit, RegistryState, Tenant, TenantStatus
from condiviso.tenancy.runtime import get_runtime
from condiviso.tenancy.snapshot import TenantInfo, load_tenant_info
from condiviso.tenancy.validation import validate_display_name, validate_plan, validate_slug


def cli_actor() -> str:
    """The actor recorded for changes made from the command line."""
    try:
        user = getpass.getuser()
    except Exception:
        user = "unknown"
    return f"cli:{user}"


def tenant_histories() -> list[History]:
    """The histories of a tenant database: the core's, then each installed plugin's."""
    return get_runtime().tenant_histories


def _audit_row(
    actor: str, tenant_slug: str | None, action: str, details: Mapping[str, Any]
) -> RegistryAudit:
    # Operators read the audit: a database URL in it keeps its host, never its password.
    return RegistryAudit(
        actor=actor, tenant_slug=tenant_slug, action=action, details=redact_values(details)
    )


def record_change(
    actor: str, tenant_slug: str | None, action: str, details: Mapping[str, Any]
) -> None:
    """Add a registry change's audit row and bump the registry version (commit with
    `commit_change`, which tells every worker)."""
    db.session.add(_audit_row(actor, tenant_slug, action, details))
    db.session.execute(
        sa.update(RegistryState)
        .where(RegistryState.id == 1)
        .values(version=RegistryState.version + 1)
    )


def record_event(
    actor: str, tenant_slug: str | None, action: str, details: Mapping[str, Any]
) -> None:
    """Audit an operation that changes no registry row (an invitation sent, an archive read)."""
    db.session.add(_audit_row(actor, tenant_slug, action, details))
    db.session.commit()


def commit_change() -> None:
    """Commit registry changes and announce them to every worker."""
    db.session.commit()
    get_runtime().registry.announce_change()


def get_tenant(slug: str) -> Tenant:
    """The registry row of a tenant that is not offboarded; `NotFound` otherwise."""
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if tenant is None or tenant.status is TenantStatus.OFFBOARDED:
        raise NotFound(_("Il distretto «%(slug)s» non esiste.", slug=slug))
    return tenant


def tenant_info(slug: str) -> TenantInfo:
    info = load_tenant_info(get_runtime().platform_engine, slug)
    if info is None:
        raise NotFound(_("Il distretto «%(slug)s» non esiste.", slug=slug))
    return info


def live_tenants(only: Sequence[str] = ()) -> tuple[list[Tenant], set[str]]:
    """Every district not offboarded, by slug (or only those named in `only`); and the names
    in `only` that are no such district."""
    query = sa.select(Tenant).where(Tenant.status != TenantStatus.OFFBOARDED).order_by(Tenant.slug)
    if only:
        query = query.where(Tenant.slug.in_(only))
    tenants = list(db.session.scalars(query))
    return tenants, set(only) - {t.slug for t in tenants}


def audit_trail(slug: str | None = None, limit: int = 50) -> list[RegistryAudit]:
    query = sa.select(RegistryAudit).order_by(RegistryAudit.id.desc()).limit(limit)
    if slug is not None:
        query = query.where(RegistryAudit.tenant_slug == slug)
    return list(db.session.scalars(query))


def register_tenant(
    slug: str, display_name: str, plan: str, actor: str, sample: bool = False
) -> Tenant:
    """Step 1 of provisioning: the registry row, in status `provisioning` (or the existing one)."""
    slug = validate_slug(slug)
    display_name = validate_display_name(display_name)
    plan = validate_plan(plan)
    existing = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if existing is not None:
        if existing.status is TenantStatus.OFFBOARDED:
            raise Conflict(
                _(
                    "Il nome «%(slug)s» appartiene a un distretto dismesso e non può "
                    "essere riusato.",
                    slug=slug,
                )
            )
        return existing
    tenant = Tenant(
        slug=slug,
        display_name=display_name,
        plan=plan,
        sample=sample,
        status=TenantStatus.PROVISIONING,
        database_url=tenant_database_url(current_app.config, slug),
    )
    db.session.add(tenant)
    record_change(
        actor,
        slug,
        "tenant.registered",
        {"display_name": display_name, "plan": plan, "database_url": tenant.database_url},
    )
    commit_change()
    return tenant


def ensure_tenant_database(slug: str) -> list[str]:
    """Step 2: the tenant's database at the current schema (created, or upgraded if it exists);
    the names of the steps taken."""
    tenant = get_tenant(slug)
    config = current_app.config
    if not database_exists(config, tenant.database_url):
        create_tenant_database(config, tenant.database_url, tenant_histories())
        steps = ["created"]
    else:
        steps = migrate_database(config, tenant.database_url, tenant_histories())
    return steps


def update_tenant(
    slug: str,
    actor: str,
    display_name: str | None = None,
    plan: str | None = None,
    sample: bool | None = None,
) -> bool:
    tenant = get_tenant(slug)
    changes: dict[str, Any] = {}
    if sample is not None and sample != tenant.sample:
        changes["sample"] = [tenant.sample, sample]
        tenant.sample = sample
    if display_name is not None and validate_display_name(display_name) != tenant.display_name:
        changes["display_name"] = [tenant.display_name, validate_display_name(display_name)]
        tenant.display_name = validate_display_name(display_name)
    if plan is not None and validate_plan(plan) != tenant.plan:
        changes["plan"] = [tenant.plan, plan]
        tenant.plan = plan
    if not changes:
        return False
    record_change(actor, slug, "tenant.updated", changes)
    commit_change()
    return True
