"""The plugins inside requests: their routes gated per tenant, their hooks feeding templates."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, has_request_context, request

from condiviso.plugins.installed import InstalledPlugins, PluginError
from condiviso.plugins.navigation import NavEntry
from condiviso.tenancy import TenantInfo, current_site, get_runtime

# What the portal's shell (base.html) lets plugins fill.
SHELL_SLOTS = frozenset({"brand_name", "brand_logo_url", "stylesheets", "footer_links", "contacts"})


def get_plugins(app: Flask | None = None) -> InstalledPlugins:
    return (app or current_app).extensions["condiviso.plugins"]


def tenant_hook(name: str, tenant: TenantInfo) -> Any:
    """The caller of a per-tenant hook, reaching only the plugins `tenant` has enabled."""
    return get_plugins().hook(name, tenant.plugins.keys())


def _collect(hook: str, tenant: TenantInfo) -> list[NavEntry]:
    from flask_login import current_user

    entries = [e for result in tenant_hook(hook, tenant)(tenant=tenant) for e in (result or ())]
    if has_request_context():
        entries = [e for e in entries if e.visible_to(current_user)]
    return sorted(entries, key=lambda e: (e.order, str(e.label)))


def navigation(tenant: TenantInfo) -> list[NavEntry]:
    """The portal menu: the core parts' entries and the enabled plugins', those the person sees."""
    return _collect("condiviso_navigation", tenant)


def admin_entries(tenant: TenantInfo) -> list[NavEntry]:
    """The administration pages the person may open: the core parts' and the enabled plugins'."""
    return _collect("condiviso_admin_pages", tenant)


def plugin_template_context(tenant: TenantInfo) -> dict[str, Any]:
    """Template variables from the tenant's plugins: their own (`<plugin>_...`) and the shell's
    slots; stylesheets add up, other slots are filled by the last plugin that sets them."""
    context: dict[str, Any] = {"stylesheets": []}
    for result in tenant_hook("condiviso_template_context", tenant)(tenant=tenant):
        for key, value in (result or {}).items():
            if key == "stylesheets":
                context["stylesheets"].extend(value)
            elif key in SHELL_SLOTS or any(key.startswith(f"{n}_") for n in tenant.plugins):
                context[key] = value
            else:
                raise PluginError(
                    f"template variable {key!r} is neither a shell slot nor named after its plugin"
                )
    return context


def _gate_plugin_routes() -> None:
    blueprint = request.blueprints[-1] if request.blueprints else None
    owner = get_plugins().blueprint_owners.get(blueprint) if blueprint else None
    if owner is None:
        return
    tenant = current_site().tenant
    if tenant is None or not tenant.has_plugin(owner):
        abort(404)


def _template_context() -> dict[str, Any]:
    if not has_request_context():
        return {}
    tenant = current_site().tenant
    if tenant is None:
        return {"navigation": []}
    return {"navigation": navigation(tenant), **plugin_template_context(tenant)}


def init_app(app: Flask, registry: InstalledPlugins) -> None:
    app.extensions["condiviso.plugins"] = registry
    runtime = get_runtime(app)
    runtime.tenant_histories = [*runtime.tenant_histories, *registry.histories()]
    registry.register_blueprints(app)
    app.before_request(_gate_plugin_routes)
    app.context_processor(_template_context)
