"""Tenancy: one deployment, many districts, each on its own database.

The public surface other packages use; the modules behind it are internal. Tenancy is the
ground floor: it imports the database layer and the platform's foundations, never accounts,
the portal, the console, legal pages, territory or the plugin machinery (scripts/check_imports.py).
"""

from condiviso.database.binding import NoTenantBound
from condiviso.tenancy.context import (
    current_tenant,
    current_tenant_or_none,
    find_tenant,
    tenant_context,
)
from condiviso.tenancy.models import TenantStatus
from condiviso.tenancy.runtime import current_site, get_runtime, register_site_blueprint
from condiviso.tenancy.sites import Site, SiteKind
from condiviso.tenancy.snapshot import TenantInfo

__all__ = [
    "NoTenantBound",
    "Site",
    "SiteKind",
    "TenantInfo",
    "TenantStatus",
    "current_site",
    "current_tenant",
    "current_tenant_or_none",
    "find_tenant",
    "get_runtime",
    "register_site_blueprint",
    "tenant_context",
]
