"""Districts for the tests, provisioned through the real services, with their plugins and comuni."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask

from condiviso.districts import provisioning
from condiviso.extensions import db
from condiviso.plugins import enablement
from condiviso.tenancy import TenantInfo, registry, tenant_context
from condiviso.territory.services import sync_comuni

ACTOR = "test:suite"


def comune(istat_code: str, name: str, **fields: Any) -> dict[str, Any]:
    record = {
        "istat_code": istat_code,
        "name": name,
        "cadastral_code": None,
        "postal_code": None,
        "population": None,
        "is_lead": False,
    }
    record.update(fields)
    return record


def provision(
    app: Flask,
    slug: str,
    name: str,
    plugins: Mapping[str, Mapping[str, Any]] | None = None,
    comuni: Iterable[Mapping[str, Any]] | None = None,
) -> TenantInfo:
    """A tenant provisioned through the real services, with plugins and comuni."""
    with app.app_context():
        provisioning.provision_tenant(slug, name, ACTOR)
        for plugin, settings in (plugins or {}).items():
            enablement.set_plugin(slug, plugin, ACTOR, True, settings)
        if comuni:
            with tenant_context(slug):
                sync_comuni(comuni)
                db.session.commit()
        return registry.tenant_info(slug)
