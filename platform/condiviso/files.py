"""Where a tenant's files live: `instance/tenants/<slug>/files/`, never a path a user chose."""

from __future__ import annotations

import re
from pathlib import Path

from flask import current_app

from condiviso.tenancy import current_tenant
from condiviso.tenancy.databases import tenant_files_path

_SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def tenant_storage(*parts: str) -> Path:
    """A folder (or file path) inside the current tenant's storage; parts are checked names."""
    for part in parts:
        if not _SAFE_PART.match(part) or ".." in part:
            raise ValueError(f"unsafe storage path part: {part!r}")
    return tenant_files_path(current_app.config, current_tenant().slug).joinpath(*parts)
