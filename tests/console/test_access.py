"""Who may use the console: platform operators on the apex host, nobody else, nowhere else."""

from __future__ import annotations

import uuid

import pytest

from condiviso.accounts.access import declared_access
from condiviso.accounts.roles import Audience
from tests.clients import csrf_token, sign_in
from tests.conftest import PLATFORM_DOMAIN
from tests.console.conftest import ConsoleClient, sign_in_operator
from tests.people import PASSWORD, make_user


@pytest.mark.parametrize(
    "path",
    [
        "/console/",
        "/console/distretti/nuovo",
        "/console/distretti/alpha",
        "/console/distretti/alpha/sospendi",
        "/console/distretti/alpha/plugin/branding",
        "/console/distretti/alpha/archivio",
    ],
)
def test_guests_are_sent_to_the_console_login(app, alpha, path):
    response = ConsoleClient(app).get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/accedi?next=")


def test_every_console_view_but_the_login_is_for_platform_operators(app):
    endpoints = [e for e in app.view_functions if e.startswith("console.")]
    assert len(endpoints) > 10
    for endpoint in endpoints:
        expected = (
            {Audience.GUESTS} if endpoint == "console.login" else {Audience.PLATFORM_OPERATOR}
        )
        with app.test_request_context():
            assert declared_access(endpoint) == expected, endpoint


@pytest.mark.parametrize("path", ["/console/", "/console/accedi", "/console/distretti/alpha"])
def test_console_routes_are_not_found_on_tenant_hosts(host_client, alpha, path):
    assert host_client(f"alpha.{PLATFORM_DOMAIN}").get(path).status_code == 404


def test_a_district_users_session_cookie_is_ignored_on_the_apex(app, host_client, new_tenant):
    tenant, email = new_tenant(), f"admin-{uuid.uuid4().hex[:8]}@esempio.it"
    make_user(app, tenant.slug, email, "district_admin")
    district = host_client(f"{tenant.slug}.{PLATFORM_DOMAIN}")
    assert sign_in(district, email).status_code == 302
    assert district.get("/admin/").status_code == 200  # the cookie works where it was issued
    cookie = district.cookie()
    assert cookie
    apex = ConsoleClient(app)
    apex.client.set_cookie("session", cookie, domain=PLATFORM_DOMAIN)
    response = apex.get("/console/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/accedi")


def test_an_operator_signs_in_and_out(app, alpha, operator):
    client = ConsoleClient(app)
    response = sign_in_operator(client, operator)
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    dashboard = client.get("/console/")
    assert dashboard.status_code == 200 and "Ambito di Alpha (test)" in dashboard.text
    assert 'href="/console/distretti/alpha"' in dashboard.text
    assert client.submit("/console/esci").status_code == 302
    assert client.get("/console/").status_code == 302


def test_wrong_credentials_get_the_same_message_whatever_was_wrong(app, operator):
    unknown = sign_in_operator(ConsoleClient(app), "nessuno@esempio.it")
    wrong = sign_in_operator(ConsoleClient(app), operator, password="not the password at all")
    for response in (unknown, wrong):
        assert response.status_code == 400
        assert "E-mail o password non corretti." in response.text
    assert unknown.text.count("non corretti") == wrong.text.count("non corretti")


def test_a_district_users_credentials_do_not_open_the_console(app, new_tenant):
    tenant, email = new_tenant(), f"admin-{uuid.uuid4().hex[:8]}@esempio.it"
    make_user(app, tenant.slug, email, "district_admin")
    client = ConsoleClient(app)
    response = sign_in_operator(client, email)
    assert response.status_code == 400
    assert client.get("/console/").status_code == 302


def test_the_login_never_redirects_to_another_site(app, operator):
    client = ConsoleClient(app)
    token = csrf_token(client.get("/console/accedi").text)
    response = client.post(
        "/console/accedi?next=//evil.example/",
        data={"email": operator, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
