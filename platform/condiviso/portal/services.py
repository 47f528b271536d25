"""What the district's portal home gathers from the enabled plugins."""

from __future__ import annotations

from typing import Any

from condiviso.plugins import tenant_hook
from condiviso.tenancy import TenantInfo


def home_sections(tenant: TenantInfo) -> list[Any]:
    """The sections the enabled plugins add to the home page, in their order."""
    return [
        fragment
        for result in tenant_hook("condiviso_portal_home", tenant)(tenant=tenant)
        for fragment in (result or ())
    ]
