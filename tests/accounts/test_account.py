"""The account page: details, e-mail change, password, language, deletion."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from condiviso.accounts.models import Consent, RoleGrant, User
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from condiviso.territory.models import Comune
from tests.accounts.flows import link_in, path_of, post_form, unique_email
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import comune, provision
from tests.people import PASSWORD, make_user


@pytest.fixture(scope="module")
def district(mail_app):
    provision(
        mail_app,
        "acct",
        "Ambito di prova (account)",
        comuni=[comune("012127", "Tradate"), comune("012136", "Venegono Inferiore")],
    )
    with mail_app.app_context(), tenant_context("acct"):
        return dict(db.session.execute(sa.select(Comune.name, Comune.id)).all())


def _signed_in(mail_app, host_client, email, password=PASSWORD):
    client = host_client(f"acct.{PLATFORM_DOMAIN}", mail_app)
    assert post_form(client, "/accedi", {"email": email, "password": password}).status_code == 302
    return client


def _user(mail_app, user_id):
    with mail_app.app_context(), tenant_context("acct"):
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def _profile(email, comune_id, **changes):
    return {
        **{
            "full_name": "Giovanni Bianchi",
            "email": email,
            "comune_id": str(comune_id),
            "codice_fiscale": "",
            "locale": "it",
        },
        **changes,
    }


def test_details_and_language_are_saved(mail_app, host_client, district):
    email = unique_email()
    user_id = make_user(mail_app, "acct", email, "citizen")
    client = _signed_in(mail_app, host_client, email)
    saved = post_form(
        client,
        "/account",
        _profile(
            email, district["Venegono Inferiore"], locale="en", codice_fiscale="rssmra85t10a562s"
        ),
    )
    assert saved.status_code == 302
    user = _user(mail_app, user_id)
    assert (user.full_name, user.comune_id, user.locale, user.codice_fiscale) == (
        "Giovanni Bianchi",
        district["Venegono Inferiore"],
        "en",
        "RSSMRA85T10A562S",
    )
    assert 'lang="en"' in client.get("/account").text


def test_invalid_details_change_nothing(mail_app, host_client, district):
    email = unique_email()
    user_id = make_user(mail_app, "acct", email, "citizen", full_name="Prima Persona")
    client = _signed_in(mail_app, host_client, email)
    for changes in (
        {"codice_fiscale": "ABCDEF"},
        {"locale": "de"},
        {"comune_id": "424242"},
        {"full_name": "<script>"},
    ):
        data = {**_profile(email, district["Tradate"]), **changes}
        response = post_form(client, "/account", data)
        assert response.status_code == 400, changes
    assert _user(mail_app, user_id).full_name == "Prima Persona"


def test_a_new_email_address_is_used_once_confirmed(mail_app, smtp, host_client, district):
    email, new = unique_email(), unique_email("nuovo")
    user_id = make_user(mail_app, "acct", email, "citizen")
    client = _signed_in(mail_app, host_client, email)
    post_form(client, "/account", _profile(new, district["Tradate"]))
    assert _user(mail_app, user_id).email == email
    assert client.get(path_of(link_in(smtp.last_to(new)))).status_code == 302
    assert _user(mail_app, user_id).email == new


def test_password_change_needs_the_current_one_and_closes_other_sessions(
    mail_app, host_client, district
):
    email = unique_email()
    make_user(mail_app, "acct", email, "citizen")
    client = _signed_in(mail_app, host_client, email)
    other = _signed_in(mail_app, host_client, email)
    new = "un'altra frase lunga"
    wrong = post_form(
        client,
        "/account/password",
        {
            "pw-current_password": "sbagliata davvero",
            "pw-password": new,
            "pw-password_confirm": new,
        },
        page="/account",
    )
    assert wrong.status_code == 400 and "non è corretta" in wrong.text
    done = post_form(
        client,
        "/account/password",
        {"pw-current_password": PASSWORD, "pw-password": new, "pw-password_confirm": new},
        page="/account",
    )
    assert done.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302


def test_deleting_the_account_erases_personal_data(mail_app, host_client, district):
    email = unique_email()
    user_id = make_user(mail_app, "acct", email, "citizen")
    with mail_app.app_context(), tenant_context("acct"):
        db.session.add(Consent(user_id=user_id, kind="privacy", text_version=1, method="online"))
        db.session.commit()
    client = _signed_in(mail_app, host_client, email)
    page = client.get("/account/elimina")
    assert "non si può annullare" in page.text
    unconfirmed = post_form(client, "/account/elimina", {"password": PASSWORD})
    assert unconfirmed.status_code == 400
    wrong = post_form(client, "/account/elimina", {"password": "sbagliata davvero", "confirm": "y"})
    assert wrong.status_code == 400
    assert _user(mail_app, user_id).deleted_at is None

    done = post_form(client, "/account/elimina", {"password": PASSWORD, "confirm": "y"})
    assert done.status_code == 200 and "cancellati" in done.text
    user = _user(mail_app, user_id)
    assert user.deleted_at is not None and user.email != email
    assert user.password_hash is None and user.codice_fiscale is None
    with mail_app.app_context(), tenant_context("acct"):
        assert db.session.scalars(sa.select(Consent).where(Consent.user_id == user_id)).all() == []
        assert (
            db.session.scalars(sa.select(RoleGrant).where(RoleGrant.user_id == user_id)).all() == []
        )
    assert client.get("/account").status_code == 302
    fresh = host_client(f"acct.{PLATFORM_DOMAIN}", mail_app)
    assert post_form(fresh, "/accedi", {"email": email, "password": PASSWORD}).status_code == 400
