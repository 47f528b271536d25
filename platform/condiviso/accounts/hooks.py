"""What the accounts part adds through the plugin hooks, as a plugin would: the staff's menu
entry and administration pages, and the sample accounts of a sample district."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from condiviso.accounts.roles import STAFF_ROLES, Role
from condiviso.accounts.samples import add_sample_accounts
from condiviso.plugins import NavEntry, hookimpl
from condiviso.tenancy import TenantInfo


@hookimpl
def condiviso_navigation(tenant: TenantInfo) -> list[NavEntry]:
    return [
        NavEntry(_("Area amministrazione"), "staff_admin.dashboard", order=900, roles=STAFF_ROLES)
    ]


@hookimpl
def condiviso_admin_pages(tenant: TenantInfo) -> list[NavEntry]:
    return [
        NavEntry(
            _("Registra una persona"),
            "assisted.register",
            order=5,
            roles=frozenset({Role.OPERATOR, Role.DISTRICT_ADMIN}),
            description=_(
                "Per chi si presenta allo sportello, anche senza e-mail: registra la persona, "
                "il suo consenso e stampa il foglio di benvenuto."
            ),
        ),
        NavEntry(
            _("Personale"),
            "staff_admin.staff_list",
            order=10,
            roles=frozenset({Role.DISTRICT_ADMIN}),
            description=_(
                "Invita il personale dei comuni, delle cooperative e gli operatori; revoca i ruoli."
            ),
        ),
    ]


@hookimpl(trylast=True)
def condiviso_tenant_prepared(
    tenant: TenantInfo, definition: Mapping[str, Any] | None
) -> list[str]:
    # Last, after the comuni (sample people live in the first one) and before any plugin's
    # sample data, which may name sample people (operators on duty).
    if definition and definition["sample"] and current_app.config["CONDIVISO_ENV"] != "production":
        add_sample_accounts(tenant.slug)
    return []
