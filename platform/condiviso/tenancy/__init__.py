"""Tenancy: one deployment, many districts, each on its own database.

The public surface other packages use; the modules behind it are internal. Names are loaded on
first use, so that the database session (which consults `tenancy.binding`) can be built before
the modules that need the database.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "NoTenantBound": "condiviso.tenancy.binding",
    "current_tenant": "condiviso.tenancy.context",
    "current_tenant_or_none": "condiviso.tenancy.context",
    "find_tenant": "condiviso.tenancy.context",
    "tenant_context": "condiviso.tenancy.context",
    "TenantStatus": "condiviso.tenancy.models",
    "TenantInfo": "condiviso.tenancy.registry",
    "current_site": "condiviso.tenancy.runtime",
    "get_runtime": "condiviso.tenancy.runtime",
    "register_site_blueprint": "condiviso.tenancy.runtime",
    "Site": "condiviso.tenancy.sites",
    "SiteKind": "condiviso.tenancy.sites",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'condiviso.tenancy' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
