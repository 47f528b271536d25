"""A district's custom domains: attached, verified (then they route), made primary, removed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.clock import utcnow
from condiviso.errors import Conflict, NotFound
from condiviso.extensions import db
from condiviso.tenancy.models import Tenant, TenantDomain
from condiviso.tenancy.registry import commit_change, get_tenant, record_change
from condiviso.tenancy.validation import validate_custom_domain


def add_domain(
    slug: str, hostname: str, actor: str, verified: bool = False, primary: bool = False
) -> bool:
    """Attach a custom domain to a tenant; it routes once verified."""
    tenant = get_tenant(slug)
    host = validate_custom_domain(hostname)
    existing = db.session.scalar(sa.select(TenantDomain).where(TenantDomain.hostname == host))
    if existing is not None and existing.tenant_id != tenant.id:
        raise Conflict(_("Il dominio %(host)s è già assegnato a un altro distretto.", host=host))
    changed: dict[str, Any] = {}
    if existing is None:
        existing = TenantDomain(hostname=host, verified=False, is_primary=False)
        tenant.domains.append(existing)
        changed["added"] = True
    if verified and not existing.verified:
        existing.verified, existing.verified_at = True, utcnow()
        changed["verified"] = True
    if primary != existing.is_primary:
        if primary:
            for other in tenant.domains:
                other.is_primary = False
        existing.is_primary = primary
        changed["primary"] = primary
    if not changed:
        return False
    record_change(actor, slug, "domain.changed", {"hostname": host, **changed})
    commit_change()
    return True


def verify_domain(slug: str, hostname: str, actor: str) -> bool:
    """Mark a custom domain verified (after checking its DNS points at the platform)."""
    tenant = get_tenant(slug)
    host, domain = _assigned(tenant, hostname)
    if domain is None:
        raise NotFound(_("Il dominio %(host)s non è assegnato a questo distretto.", host=host))
    if domain.verified:
        return False
    domain.verified, domain.verified_at = True, utcnow()
    record_change(actor, slug, "domain.verified", {"hostname": host})
    commit_change()
    return True


def remove_domain(slug: str, hostname: str, actor: str) -> bool:
    tenant = get_tenant(slug)
    host, domain = _assigned(tenant, hostname)
    if domain is None:
        return False
    tenant.domains.remove(domain)
    record_change(actor, slug, "domain.removed", {"hostname": host})
    commit_change()
    return True


def _assigned(tenant: Tenant, hostname: str) -> tuple[str, TenantDomain | None]:
    """The host name as stored, and the tenant's domain with that name, if it has one."""
    host = validate_custom_domain(hostname)
    return host, next((d for d in tenant.domains if d.hostname == host), None)
