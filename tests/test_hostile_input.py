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
from tests.conftest import PLATFORM_DOMAIN
from tests.helpers import PASSWORD, HostClient, comune, csrf_token, make_user, provision

# Invalid in every field: the request must change nothing.
INVALID_VALUES = [
    "x" * (1024 * 1024),  # 1 MB
    "\x00\x01\x02\x1b[31m\x7f",  # control characters
]
# Hostile but possibly valid text (a title may well read "-1"): stored as text or refused,
# never a 500, never interpreted.
HOSTILE_VALUES = [
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../../../etc/passwd",
    "\u202e\ufeff\U0001f600",
    "-1",
    "99999999999999999999999",
    "²",  # a superscript two: str.isdigit says yes, int() says no
]
FORM_FIELD = re.compile(r'name="([^"]+)"')


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
# Buttons that act on a valid CSRF token alone (sign out, enable, revoke...): hostile fields
# are ignored by design, so only forged or missing tokens are sent to them.
BUTTONS = re.compile(r"/(esci|attiva|disattiva|revoca|verifica|rimuovi|elimina)$|/logo/rimuovi$")


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


def _payloads(fields, token, button: bool):
    """(form data, whether it must change nothing)."""
    names = [n for n in fields if n != "csrf_token"] or ["email", "password"]
    yield {"csrf_token": "not-a-token", **{n: "valore" for n in names}}, True
    yield {n: "valore" for n in names}, True  # no token at all
    if button:
        return
    for value in INVALID_VALUES:
        yield {"csrf_token": token, **{n: value for n in names}}, True
    for value in HOSTILE_VALUES:
        yield {"csrf_token": token, **{n: value for n in names}}, False
    yield {"csrf_token": token, **{n: ["a", "b", "c"] for n in names}}, False  # repeated
    yield {"csrf_token": [token, token], "unexpected": "x"}, False


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
            payloads = list(_payloads(fields, token, bool(BUTTONS.search(path))))
            # Invalid data first, checked to have changed nothing; then the hostile but
            # possibly valid text, checked only for its answer.
            before = _state(app)
            for data, must_not_change in sorted(payloads, key=lambda p: not p[1]):
                if not must_not_change and before is not None:
                    assert _state(app) == before, (who, path)
                    before = None
                response = client.post(path, data=data)
                assert response.status_code < 500, (who, path, response.status_code)
                exercised += 1
            if before is not None:
                assert _state(app) == before, (who, path)
    assert exercised > 100


def post_hostile(client, path: str, state, page: str | None = None, button: bool = False) -> int:
    """Post every payload to `path`, the form's fields read from `page` (default: `path`):
    never a 500, and invalid data leaves `state()` as it was. A `button` (a form that acts on
    its token alone) gets only forged and missing tokens. Returns how many were posted."""
    shown = client.get(page or path)
    fields = set(FORM_FIELD.findall(shown.text)) if shown.status_code == 200 else set()
    token = csrf_token(shown.text) if "csrf_token" in shown.text else "none"
    posted = 0
    for data, must_not_change in _payloads(fields, token, button or bool(BUTTONS.search(path))):
        before = state() if must_not_change else None
        response = client.post(path, data=data)
        assert response.status_code < 500, (path, response.status_code, repr(data)[:80])
        if must_not_change:
            assert state() == before, (path, repr(data)[:80])
        posted += 1
    return posted
