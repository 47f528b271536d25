"""Enabling and disabling a plugin for a district: settings validated by the plugin's schema,
requirements checked, the change audited in the registry, and the plugin told when it starts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from condiviso.errors import InvalidInput
from condiviso.extensions import db
from condiviso.plugins.installed import InstalledPlugins
from condiviso.plugins.web import get_plugins
from condiviso.tenancy import tenant_context
from condiviso.tenancy.models import Tenant, TenantPlugin, TenantStatus
from condiviso.tenancy.registry import commit_change, get_tenant, record_change


def set_plugin(
    slug: str,
    name: str,
    actor: str,
    enabled: bool = True,
    settings: Mapping[str, Any] | None = None,
) -> bool:
    """Enable (with validated settings) or disable a plugin for a tenant.

    Invalid settings raise `InvalidInput` naming the field and the reason; nothing is stored.
    Settings omitted when enabling keep what is stored (validated again)."""
    tenant = get_tenant(slug)
    plugins = get_plugins()
    plugins.get(name)
    row = tenant.plugin(name)
    others = {p.name for p in tenant.plugins if p.enabled and p.name != name}
    if enabled:
        _check_requirements(plugins, others | {name})
    if not enabled:
        if row is None or not row.enabled:
            return False
        _check_requirements(plugins, others)
        row.enabled = False
        record_change(actor, slug, "plugin.disabled", {"plugin": name})
        commit_change()
        return True
    given = settings if settings is not None else (row.settings if row is not None else {})
    clean = plugins.validate_settings(name, given)
    if row is not None and row.enabled and row.settings == clean:
        return False
    before = None if row is None else {"enabled": row.enabled, "settings": row.settings}
    if row is None:
        row = TenantPlugin(name=name)
        tenant.plugins.append(row)
    row.enabled, row.settings = True, clean
    record_change(
        actor,
        slug,
        "plugin.enabled",
        {"plugin": name, "before": before, "after": {"enabled": True, "settings": clean}},
    )
    commit_change()
    if before is None or not before["enabled"]:
        _tell_enabled(tenant, name)
    return True


def _tell_enabled(tenant: Tenant, name: str) -> None:
    """Let a plugin just enabled catch up with the tenant's data (see the hook)."""
    if tenant.status is TenantStatus.SUSPENDED:
        return
    with tenant_context(tenant.slug) as info:
        get_plugins().hook("condiviso_plugin_enabled", [name])(tenant=info)
        db.session.commit()


def _check_requirements(plugins: InstalledPlugins, enabled: set[str]) -> None:
    missing = plugins.missing_requirements(enabled)
    if missing:
        details = "; ".join(
            _(
                "«%(plugin)s» ha bisogno di «%(required)s»",
                plugin=name,
                required="», «".join(required),
            )
            for name, required in missing.items()
        )
        raise InvalidInput(
            {"plugins": [_("Combinazione di plugin non valida: %(details)s.", details=details)]}
        )
