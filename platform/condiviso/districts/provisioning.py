"""Provisioning a district end to end: registry row, database, what every district starts with,
activation. Idempotent and resumable: run again after a crash, it completes what is missing and
duplicates nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from condiviso.extensions import db
from condiviso.plugins import tenant_hook
from condiviso.tenancy import TenantInfo, lifecycle, registry, tenant_context


def prepare_tenant(slug: str, definition: Mapping[str, Any] | None = None) -> list[str]:
    """What the core parts (and enabled plugins) prepare in a district's database, through the
    `condiviso_tenant_prepared` hook; one line per change."""
    with tenant_context(slug) as tenant:
        changes = [
            line
            for result in tenant_hook("condiviso_tenant_prepared", tenant)(
                tenant=tenant, definition=definition
            )
            for line in (result or ())
        ]
        db.session.commit()
    return changes


def provision_tenant(
    slug: str, display_name: str, actor: str, plan: str = "base", sample: bool = False
) -> TenantInfo:
    """Create a district without a definition: registered, its database created, prepared and
    activated."""
    registry.register_tenant(slug, display_name, plan, actor, sample=sample)
    registry.ensure_tenant_database(slug)
    prepare_tenant(slug)
    lifecycle.activate_tenant(slug, actor)
    return registry.tenant_info(slug)
