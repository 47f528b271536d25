"""Sessions on shared desks: signing out ends every copy of the session, and staff (and
platform operators) are signed out after a while without activity."""

from __future__ import annotations

import pytest

from condiviso.accounts import login
from tests.accounts.flows import post_form, unique_email
from tests.clients import HostClient
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import provision
from tests.people import PASSWORD, make_user

HOST = f"sessioni.{PLATFORM_DOMAIN}"


@pytest.fixture(scope="module")
def district(app):
    return provision(app, "sessioni", "Ambito di prova (sessioni)")


@pytest.fixture
def clock(monkeypatch):
    """The sessions' clock, moved by hand."""
    now = [1_900_000_000.0]
    monkeypatch.setattr(login, "_clock", lambda: now[0])
    return now


def _signed_in(app, *roles):
    email = unique_email("sessione")
    make_user(app, "sessioni", email, *roles)
    client = HostClient(app, HOST)
    assert post_form(client, "/accedi", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def _copy(client: HostClient) -> HostClient:
    """Someone else's browser with a copy of `client`'s session cookie."""
    copy = HostClient(client.app, client.host)
    copy.client.set_cookie("session", client.cookie(), domain=client.host)
    return copy


def test_signing_out_ends_every_copy_of_the_session(app, district):
    client = _signed_in(app, "citizen")
    copied = _copy(client)
    assert copied.get("/account").status_code == 200  # a copy works while the session lives
    assert post_form(client, "/esci", {}, page="/account").status_code == 302
    assert client.get("/account").status_code == 302
    assert copied.get("/account").status_code == 302


def test_staff_are_signed_out_after_being_idle(app, district, clock):
    staff = _signed_in(app, "operator")
    clock[0] += 29 * 60
    assert staff.get("/admin/").status_code == 200  # activity keeps the session alive
    clock[0] += 29 * 60
    assert staff.get("/admin/").status_code == 200
    clock[0] += app.config["STAFF_IDLE_MINUTES"] * 60 + 1
    gone = staff.get("/admin/")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/accedi")
    assert "senza attività" in staff.get("/accedi").text
    # The copy of an idle session is as dead as the session.
    assert staff.get("/admin/").status_code == 302


def test_citizens_are_not_signed_out_for_being_idle(app, district, clock):
    citizen = _signed_in(app, "citizen")
    clock[0] += 6 * 3600
    assert citizen.get("/account").status_code == 200


def test_platform_operators_are_signed_out_after_being_idle(app, clock):
    from condiviso.console.operators import create_operator

    email = unique_email("operatore-console")
    with app.app_context():
        create_operator(email, "Paola Piattaforma", PASSWORD)
    console = HostClient(app, PLATFORM_DOMAIN)
    signed_in = post_form(console, "/console/accedi", {"email": email, "password": PASSWORD})
    assert signed_in.status_code == 302
    copied = _copy(console)
    assert console.get("/console/").status_code == 200
    clock[0] += app.config["STAFF_IDLE_MINUTES"] * 60 + 1
    assert console.get("/console/").status_code == 302
    clock[0] -= app.config["STAFF_IDLE_MINUTES"] * 60 + 1

    again = HostClient(app, PLATFORM_DOMAIN)
    post_form(again, "/console/accedi", {"email": email, "password": PASSWORD})
    kept = _copy(again)
    assert post_form(again, "/console/esci", {}, page="/console/").status_code == 302
    assert kept.get("/console/").status_code == 302
    assert copied.get("/console/").status_code == 302
