"""What the legal pages add through the plugin hooks, as a plugin would: their administration
page, and the starting texts of a new district."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from condiviso.accounts.roles import Role
from condiviso.legal.services import seed_legal_pages
from condiviso.plugins import NavEntry, hookimpl
from condiviso.tenancy import TenantInfo


@hookimpl
def condiviso_admin_pages(tenant: TenantInfo) -> list[NavEntry]:
    return [
        NavEntry(
            _("Pagine legali"),
            "legal.admin_index",
            order=80,
            roles=frozenset({Role.DISTRICT_ADMIN}),
            description=_(
                "Informativa privacy, dichiarazione di accessibilità, informativa sui cookie."
            ),
        )
    ]


@hookimpl(tryfirst=True)
def condiviso_tenant_prepared(
    tenant: TenantInfo, definition: Mapping[str, Any] | None
) -> list[str]:
    return ["database: legal pages"] if seed_legal_pages(tenant.display_name) else []
