"""Fixtures of the console tests: operators created for real, signed in through the real form,
on the apex host."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.test import TestResponse

from condiviso.console.operators import create_operator
from condiviso.extensions import db
from condiviso.tenancy.models import RegistryAudit
from tests.clients import HostClient, csrf_token
from tests.conftest import PLATFORM_DOMAIN
from tests.people import PASSWORD


class ConsoleClient(HostClient):
    """A client of the apex host from an address of its own: the console's rate limits count
    per site and address, and every test signs in on the same site."""

    _console_addresses = itertools.count(1)

    def __init__(self, app: Flask) -> None:
        super().__init__(app, PLATFORM_DOMAIN)
        number = next(self._console_addresses)
        self.console_address = (
            f"172.{16 + number // 65536 % 16}.{number // 256 % 256}.{number % 256}"
        )

    def open(self, path: str, method: str = "GET", **kwargs: Any) -> TestResponse:
        kwargs.setdefault("environ_base", {"REMOTE_ADDR": self.console_address})
        return super().open(path, method, **kwargs)

    def submit(self, path: str, data: dict[str, Any] | None = None) -> TestResponse:
        """POST `data` to `path` with a CSRF token from the dashboard, as a browser would."""
        token = csrf_token(self.get("/console/").text)
        return self.post(path, data={**(data or {}), "csrf_token": token})


def sign_in_operator(client: ConsoleClient, email: str, password: str = PASSWORD) -> TestResponse:
    """Sign in through the console's login form (CSRF token included)."""
    page = client.get("/console/accedi")
    token = csrf_token(page.text)
    return client.post(
        "/console/accedi", data={"email": email, "password": password, "csrf_token": token}
    )


def audit_rows(app: Flask, slug: str) -> list[tuple[str, str, dict]]:
    """(actor, action, details) of the district's registry audit, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            sa.select(RegistryAudit)
            .where(RegistryAudit.tenant_slug == slug)
            .order_by(RegistryAudit.id)
        )
        return [(row.actor, row.action, dict(row.details)) for row in rows]


@pytest.fixture
def operator(app: Flask) -> str:
    """A platform operator of their own; returns the e-mail address."""
    email = f"operatore-{uuid.uuid4().hex[:10]}@esempio.it"
    with app.app_context():
        create_operator(email, "Olga Operatrice", PASSWORD)
    return email


@pytest.fixture
def console(app: Flask, operator: str) -> ConsoleClient:
    """An apex client with `operator` signed in."""
    client = ConsoleClient(app)
    response = sign_in_operator(client, operator)
    assert response.status_code == 302, response.text
    return client


@pytest.fixture
def actor(operator: str) -> str:
    """How the signed-in operator's changes appear in the registry audit."""
    return f"operator:{operator}"
