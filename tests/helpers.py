"""Helpers shared by the tests: clients bound to a host, tenants provisioned for real."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask
from werkzeug.test import TestResponse

from condiviso.districts import provisioning
from condiviso.extensions import db
from condiviso.plugins import enablement
from condiviso.tenancy import TenantInfo, registry, tenant_context
from condiviso.territory.services import sync_comuni

ACTOR = "test:suite"


def finish_jobs(app: Flask, timeout: float = 30.0) -> None:
    """Wait until the jobs `app` runs in this process's background (those the inline backend
    runs after a request: e-mails, say) are done, as they would be a moment later for a person;
    jobs waiting for a retry later do not count."""
    from condiviso.jobs.local import local_runner

    assert local_runner(app).wait_idle(timeout), f"background jobs still running after {timeout}s"


class HostClient:
    """A test client whose every request carries one `Host`. After each request it waits for
    the background jobs the request asked for (`finish_jobs`), unless told not to."""

    _addresses = itertools.count(1)

    def __init__(self, app: Flask, host: str, finish_jobs: bool = True) -> None:
        self.app = app
        self.host = host
        self.finishes_jobs = finish_jobs
        self.client = app.test_client()
        # Each client is someone else: rate limits count per address.
        number = next(self._addresses)
        self.address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"

    def open(self, path: str, method: str = "GET", **kwargs: Any) -> TestResponse:
        kwargs.setdefault("base_url", f"http://{self.host}")
        kwargs.setdefault("environ_base", {"REMOTE_ADDR": self.address})
        response = self.client.open(path, method=method, **kwargs)
        if self.finishes_jobs:
            finish_jobs(self.app)
        return response

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
        provisioning.provision_tenant(slug, name, ACTOR)
        for plugin, settings in (plugins or {}).items():
            enablement.set_plugin(slug, plugin, ACTOR, True, settings)
        if comuni:
            with tenant_context(slug):
                sync_comuni(comuni)
                db.session.commit()
        return registry.tenant_info(slug)


PASSWORD = "una frase lunga e facile"


def make_user(
    app: Flask,
    slug: str,
    email: str,
    *roles: str,
    comune_ids: Iterable[int] = (),
    cooperative_id: int | None = None,
    password: str = PASSWORD,
    verified: bool = True,
    full_name: str | None = None,
) -> int:
    """A person of the district `slug` with `roles` (scoped as given); returns the user id."""
    from datetime import UTC, datetime

    from condiviso.accounts.models import RoleGrant, User
    from condiviso.accounts.passwords import hash_password

    with app.app_context(), tenant_context(slug):
        user = User(
            email=email,
            full_name=full_name or email.split("@")[0].title(),
            password_hash=hash_password(password),
            email_verified_at=datetime.now(UTC) if verified else None,
        )
        for role in roles:
            if role == "comune_staff":
                user.grants.extend(RoleGrant(role=role, comune_id=i) for i in comune_ids)
            elif role == "cooperative_staff":
                user.grants.append(RoleGrant(role=role, cooperative_id=cooperative_id))
            else:
                user.grants.append(RoleGrant(role=role))
        db.session.add(user)
        db.session.commit()
        return user.id


def sign_in(client: HostClient, email: str, password: str = PASSWORD) -> TestResponse:
    """Sign in through the real login form (CSRF token included)."""
    page = client.get("/accedi")
    token = csrf_token(page.text)
    return client.post("/accedi", data={"email": email, "password": password, "csrf_token": token})


def csrf_token(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)
