"""Malformed, oversized and hostile data posted to every form route of the app, as a guest and
as the most privileged person of each site: never a 500, never a change."""

from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.tenancy import SiteKind, get_runtime, tenant_context
from tests.accounts.flows import post_form, unique_email
from tests.clients import HostClient, csrf_token
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import comune, provision
from tests.hostile import (
    BUTTONS,
    FORM_FIELD,
    payloads,
)
from tests.people import PASSWORD, make_user


def _snapshot(engine) -> str:
    """Every row of every table, as one digest."""
    digest = hashlib.sha256()
    with engine.connect() as connection:
        metadata = sa.MetaData()
        metadata.reflect(connection)
        for table in sorted(metadata.tables.values(), key=lambda t: t.name):
            for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


# Real values for URL parts, so that forms of existing records are reached.
URL_VALUES = {
    "slug": "hostile",
    "name": "branding",
    "hostname": "welfare.hostile.example",
    "kind": "privacy",
    "locale": "it",
}
# Tenant pages whose <slug> is a service's.
SERVICE_SLUG = "sad"


def _path(rule) -> str:
    def value(match):
        converter, _, name = match.group(1).rpartition(":")
        if converter == "int":
            return "1"
        if name == "slug" and rule.rule.startswith("/servizi/"):
            return SERVICE_SLUG
        return URL_VALUES.get(name, "x")

    return re.sub(r"<([^>]+)>", value, rule.rule)


def _post_rules(app):
    runtime = get_runtime(app)
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()):
            continue
        blueprint = rule.endpoint.rpartition(".")[0]
        yield _path(rule), runtime.blueprint_sites.get(blueprint)


@pytest.fixture(scope="module")
def people(app):
    provision(
        app,
        "hostile",
        "Ambito di prova (input ostili)",
        plugins={"branding": {}},
        comuni=[comune("012127", "Tradate")],
    )
    admin = unique_email("admin")
    make_user(app, "hostile", admin, "district_admin", "citizen")
    operator = unique_email("operatore")
    from condiviso.console.operators import create_operator

    with app.app_context():
        create_operator(operator, "Operatore di prova", PASSWORD)
    return admin, operator


def _clients(app, people, kind):
    admin, operator = people
    if kind is SiteKind.PLATFORM:
        host = PLATFORM_DOMAIN
        signed = HostClient(app, host)
        post_form(signed, "/console/accedi", {"email": operator, "password": PASSWORD})
    else:
        host = f"hostile.{PLATFORM_DOMAIN}"
        signed = HostClient(app, host)
        post_form(signed, "/accedi", {"email": admin, "password": PASSWORD})
    return [("guest", HostClient(app, host)), ("signed in", signed)]


def _state(app):
    with app.app_context():
        platform = _snapshot(db.engines["platform"])
        with tenant_context("hostile") as tenant:
            from condiviso.tenancy.engines import create_tenant_engine

            engine = create_tenant_engine(tenant.database_url, app.config)
            try:
                return platform, _snapshot(engine)
            finally:
                engine.dispose()


def test_no_form_route_answers_500_or_changes_anything(app, people):
    rules = sorted(set(_post_rules(app)), key=lambda r: r[0])
    assert len(rules) >= 10, rules
    exercised = 0
    for path, kind in rules:
        if kind is None:
            continue
        for who, client in _clients(app, people, kind):
            page = client.get(path)
            fields = set(FORM_FIELD.findall(page.text)) if page.status_code == 200 else set()
            token = csrf_token(page.text) if "csrf_token" in page.text else "none"
            sent = list(payloads(fields, token, bool(BUTTONS.search(path))))
            # Invalid data first, checked to have changed nothing; then the hostile but
            # possibly valid text, checked only for its answer.
            before = _state(app)
            for data, must_not_change in sorted(sent, key=lambda p: not p[1]):
                if not must_not_change and before is not None:
                    assert _state(app) == before, (who, path)
                    before = None
                response = client.post(path, data=data)
                assert response.status_code < 500, (who, path, response.status_code)
                exercised += 1
            if before is not None:
                assert _state(app) == before, (who, path)
    assert exercised > 100
