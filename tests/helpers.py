"""Helpers shared by the tests: clients bound to a host, tenants provisioned for real."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask
from werkzeug.test import TestResponse

from condiviso.extensions import db
from condiviso.tenancy import TenantInfo, services, tenant_context
from condiviso.territory.services import sync_comuni

ACTOR = "test:suite"


class HostClient:
    """A test client whose every request carries one `Host`."""

    def __init__(self, app: Flask, host: str) -> None:
        self.app = app
        self.host = host
        self.client = app.test_client()

    def open(self, path: str, method: str = "GET", **kwargs: Any) -> TestResponse:
        kwargs.setdefault("base_url", f"http://{self.host}")
        return self.client.open(path, method=method, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open(path, "GET", **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open(path, "POST", **kwargs)

    def cookie(self, name: str = "session") -> str | None:
        cookie = self.client.get_cookie(name, domain=self.host)
        return cookie.value if cookie is not None else None


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
        services.provision_tenant(slug, name, ACTOR)
        for plugin, settings in (plugins or {}).items():
            services.set_plugin(slug, plugin, ACTOR, True, settings)
        if comuni:
            with tenant_context(slug):
                sync_comuni(comuni)
                db.session.commit()
        return services.tenant_info(slug)
