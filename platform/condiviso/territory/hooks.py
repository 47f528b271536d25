"""What the territory part adds through the plugin hooks, as a plugin would: the comuni a
district's definition lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from condiviso.plugins import hookimpl
from condiviso.tenancy import TenantInfo
from condiviso.territory.services import sync_comuni


@hookimpl
def condiviso_tenant_prepared(
    tenant: TenantInfo, definition: Mapping[str, Any] | None
) -> list[str]:
    return sync_comuni(definition["comuni"]) if definition else []
