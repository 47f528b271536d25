"""A district's lifecycle in the registry: activated once provisioned, suspended (read-only, in
every worker within seconds, data kept) and resumed, archived and offboarded."""

from __future__ import annotations

from flask_babel import gettext as _

from condiviso.errors import Conflict
from condiviso.tenancy.models import TenantStatus
from condiviso.tenancy.registry import commit_change, get_tenant, record_change


def activate_tenant(slug: str, actor: str) -> None:
    """Last step: a provisioned tenant starts being served."""
    tenant = get_tenant(slug)
    if tenant.status is TenantStatus.PROVISIONING:
        tenant.status = TenantStatus.ACTIVE
        record_change(actor, slug, "tenant.activated", {})
        commit_change()


def suspend_tenant(slug: str, actor: str, reason: str = "") -> bool:
    """Read-only from now on, in every worker within seconds; the data is kept."""
    tenant = get_tenant(slug)
    if tenant.status is TenantStatus.SUSPENDED:
        return False
    if tenant.status is not TenantStatus.ACTIVE:
        raise Conflict(_("Si può sospendere solo un distretto attivo."))
    tenant.status = TenantStatus.SUSPENDED
    record_change(actor, slug, "tenant.suspended", {"reason": reason})
    commit_change()
    return True


def resume_tenant(slug: str, actor: str) -> bool:
    tenant = get_tenant(slug)
    if tenant.status is TenantStatus.ACTIVE:
        return False
    if tenant.status is not TenantStatus.SUSPENDED:
        raise Conflict(_("Si può riattivare solo un distretto sospeso."))
    tenant.status = TenantStatus.ACTIVE
    record_change(actor, slug, "tenant.resumed", {})
    commit_change()
    return True


def mark_offboarded(slug: str, actor: str, archive_path: str) -> None:
    tenant = get_tenant(slug)
    removed = [d.hostname for d in tenant.domains]
    tenant.domains.clear()
    tenant.plugins.clear()
    tenant.status = TenantStatus.OFFBOARDED
    tenant.archive_path = archive_path
    record_change(actor, slug, "tenant.offboarded", {"archive": archive_path, "domains": removed})
    commit_change()


def record_archive(slug: str, actor: str, archive_path: str) -> None:
    tenant = get_tenant(slug)
    tenant.archive_path = archive_path
    record_change(actor, slug, "tenant.exported", {"archive": archive_path})
    commit_change()
