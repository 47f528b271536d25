"""Signing in and out, password reset by e-mail, and the limits on guessing."""

from __future__ import annotations

import pytest

from tests.accounts.flows import choose_password, link_in, path_of, post_form, unique_email
from tests.clients import HostClient
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import provision
from tests.people import PASSWORD, make_user


@pytest.fixture(scope="module")
def district(mail_app):
    return provision(mail_app, "login", "Ambito di prova (accessi)")


def _client(host_client, mail_app):
    return host_client(f"login.{PLATFORM_DOMAIN}", mail_app)


def test_wrong_password_and_unknown_address_get_the_same_answer(mail_app, host_client, district):
    email = unique_email()
    make_user(mail_app, "login", email, "citizen")
    wrong = post_form(
        _client(host_client, mail_app),
        "/accedi",
        {"email": email, "password": "non è questa la password"},
    )
    unknown = post_form(
        _client(host_client, mail_app),
        "/accedi",
        {"email": unique_email(), "password": "non è questa la password"},
    )
    assert wrong.status_code == unknown.status_code == 400
    assert "E-mail o password non corretti." in wrong.text
    assert "E-mail o password non corretti." in unknown.text


def test_sign_in_and_out(mail_app, host_client, district):
    email = unique_email()
    make_user(mail_app, "login", email, "citizen")
    client = _client(host_client, mail_app)
    assert client.get("/account").status_code == 302
    assert post_form(client, "/accedi", {"email": email, "password": PASSWORD}).status_code == 302
    assert client.get("/account").status_code == 200
    assert client.get("/accedi").status_code == 302  # signed in: no login page
    out = post_form(client, "/esci", {}, page="/account")
    assert out.status_code == 302
    assert client.get("/account").status_code == 302


def test_a_user_of_one_district_cannot_sign_in_on_another(mail_app, host_client, district):
    email = unique_email()
    make_user(mail_app, "login", email, "citizen")
    provision(mail_app, "login-other", "Altro ambito (accessi)")
    other = host_client(f"login-other.{PLATFORM_DOMAIN}", mail_app)
    refused = post_form(other, "/accedi", {"email": email, "password": PASSWORD})
    assert refused.status_code == 400 and "non corretti" in refused.text
    make_user(mail_app, "login-other", email, "citizen", password="un'altra frase ancora")
    assert (
        post_form(
            other, "/accedi", {"email": email, "password": "un'altra frase ancora"}
        ).status_code
        == 302
    )


def _sign_in_from(client, email, password=PASSWORD):
    return post_form(client, "/accedi", {"email": email, "password": password}).status_code


def test_guessing_from_one_address_is_stopped_without_locking_the_owner_out(
    mail_app, host_client, district
):
    email = unique_email()
    make_user(mail_app, "login", email, "citizen")
    guesser = _client(host_client, mail_app)
    statuses = [_sign_in_from(guesser, email, f"tentativo {n}") for n in range(12)]
    assert statuses == [400] * 10 + [429, 429]
    keys = mail_app.extensions["condiviso.redis"].keys(f"*{mail_app.config['REDIS_PREFIX']}login*")
    assert keys, "rate limit counters are kept in Redis"
    # The right password is refused too from there: guessing gains nothing.
    assert _sign_in_from(guesser, email) == 429
    # The owner, elsewhere, is not locked out.
    assert _sign_in_from(_client(host_client, mail_app), email) == 302


def test_a_crowd_of_addresses_cannot_lock_the_owner_out(mail_app, host_client, district):
    email = unique_email()
    make_user(mail_app, "login", email, "citizen")
    owner = _client(host_client, mail_app)
    assert _sign_in_from(owner, email) == 302  # the owner's browser is known from now on
    device = owner.client.get_cookie("condiviso_device", domain=owner.host)
    assert device is not None and device.http_only
    post_form(owner, "/esci", {}, page="/account")

    statuses = [
        _sign_in_from(_client(host_client, mail_app), email, f"tentativo {n}") for n in range(31)
    ]
    assert statuses == [400] * 30 + [429]
    # From an unknown browser the right password is refused while the crowd guesses...
    assert _sign_in_from(_client(host_client, mail_app), email) == 429
    # ...but the owner's browser, even on another network, gets in.
    travelling = _client(host_client, mail_app)
    travelling.client.set_cookie("condiviso_device", device.value, domain=travelling.host)
    assert _sign_in_from(travelling, email) == 302
    # A forged device cookie is a stranger's browser.
    forged = _client(host_client, mail_app)
    forged.client.set_cookie("condiviso_device", device.value[:-2] + "xx", domain=forged.host)
    assert _sign_in_from(forged, email) == 429


def test_signing_in_successfully_spends_no_allowance(mail_app, host_client, district):
    email = unique_email()
    make_user(mail_app, "login", email, "citizen")
    for _ in range(12):  # a family's phones and the desk's computer, say
        assert _sign_in_from(_client(host_client, mail_app), email) == 302


def test_the_console_counts_only_failed_sign_ins(mail_app, host_client):
    from condiviso.console.operators import create_operator

    email = unique_email("console")
    with mail_app.app_context():
        create_operator(email, "Paola Piattaforma", PASSWORD)
    for _ in range(12):
        client = host_client(PLATFORM_DOMAIN, mail_app)
        answer = post_form(client, "/console/accedi", {"email": email, "password": PASSWORD})
        assert answer.status_code == 302
    guesser = host_client(PLATFORM_DOMAIN, mail_app)
    statuses = [
        post_form(guesser, "/console/accedi", {"email": email, "password": f"no {n}"}).status_code
        for n in range(10)
    ]
    assert (
        statuses == [400] * 9 + [400]
        and post_form(
            guesser, "/console/accedi", {"email": email, "password": PASSWORD}
        ).status_code
        == 429
    )
    assert (
        post_form(
            host_client(PLATFORM_DOMAIN, mail_app),
            "/console/accedi",
            {"email": email, "password": PASSWORD},
        ).status_code
        == 302
    )


def test_one_address_is_limited_across_forms(mail_app, host_client, district):
    client = host_client(f"login.{PLATFORM_DOMAIN}", mail_app)
    statuses = [
        post_form(client, "/accedi", {"email": unique_email(), "password": "x" * 12}).status_code
        for _ in range(11)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:10]


def test_password_reset_by_email(mail_app, smtp, host_client, district):
    email = unique_email()
    make_user(mail_app, "login", email, "citizen")
    client = _client(host_client, mail_app)
    signed_in = _client(host_client, mail_app)
    post_form(signed_in, "/accedi", {"email": email, "password": PASSWORD})

    asked = post_form(client, "/password-dimenticata", {"email": email})
    assert asked.status_code == 200 and email in asked.text
    nobody = post_form(client, "/password-dimenticata", {"email": unique_email()})
    assert nobody.status_code == 200 and "Se esiste un account" in nobody.text

    path = path_of(link_in(smtp.last_to(email)))
    new = "una nuova frase segreta"
    weak = post_form(client, path, {"password": "corta", "password_confirm": "corta"})
    assert weak.status_code == 400
    done = post_form(client, path, {"password": new, "password_confirm": new})
    assert done.status_code == 302
    assert client.get(path).status_code == 400  # the link works once
    assert post_form(client, "/accedi", {"email": email, "password": PASSWORD}).status_code == 400
    assert post_form(client, "/accedi", {"email": email, "password": new}).status_code == 302
    # Sessions opened with the old password are over.
    assert signed_in.get("/account").status_code == 302


def test_unverified_person_can_ask_for_a_new_confirmation(mail_app, smtp, host_client, district):
    email = unique_email()
    make_user(mail_app, "login", email, "citizen", verified=False)
    client = _client(host_client, mail_app)
    refused = post_form(client, "/accedi", {"email": email, "password": PASSWORD})
    assert "reinvia-conferma" in refused.text
    post_form(client, "/reinvia-conferma", {"email": email})
    link = link_in(smtp.last_to(email))
    # Nobody owned the address until now: the link's holder chooses the password.
    assert client.get(path_of(link)).status_code == 200
    assert choose_password(client, link, "una frase nuova di zecca").status_code == 302
    again = _client(host_client, mail_app)
    assert post_form(again, "/accedi", {"email": email, "password": PASSWORD}).status_code == 400
    signed_in = post_form(
        again, "/accedi", {"email": email, "password": "una frase nuova di zecca"}
    )
    assert signed_in.status_code == 302


def test_tokens_are_bound_to_the_district(mail_app, smtp, host_client, district):
    email = unique_email()
    make_user(mail_app, "login", email, "citizen")
    post_form(_client(host_client, mail_app), "/password-dimenticata", {"email": email})
    path = path_of(link_in(smtp.last_to(email)))
    provision(mail_app, "login-third", "Terzo ambito (accessi)")
    other = HostClient(mail_app, f"login-third.{PLATFORM_DOMAIN}")
    assert other.get(path).status_code == 400
