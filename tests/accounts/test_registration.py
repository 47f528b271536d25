"""Registration → the verification e-mail arrives by SMTP → its link chooses the password →
signed in; an address nobody has confirmed belongs to nobody."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from condiviso.accounts.models import Consent, RoleGrant, User
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from condiviso.territory.models import Comune
from tests.accounts.flows import (
    choose_password,
    link_in,
    path_of,
    post_form,
    register,
    unique_email,
)
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import comune, provision

PASSWORD = "una frase lunga e facile"


@pytest.fixture(scope="module")
def district(mail_app):
    """A district of the mail app, with two comuni."""
    info = provision(
        mail_app,
        "reg",
        "Ambito di prova (registrazioni)",
        plugins={
            "branding": {"sender_name": "Sportello Welfare", "reply_to": "sportello@prova.example"}
        },
        comuni=[comune("012127", "Tradate"), comune("012044", "Castelseprio")],
    )
    with mail_app.app_context(), tenant_context(info.slug):
        ids = dict(db.session.execute(sa.select(Comune.name, Comune.id)).all())
    return info, ids


def _users(app, email):
    with app.app_context(), tenant_context("reg"):
        return db.session.scalars(sa.select(User).where(User.email == email)).all()


def test_register_verify_and_sign_in(mail_app, smtp, host_client, district):
    _info, comuni = district
    client = host_client(f"reg.{PLATFORM_DOMAIN}", mail_app)
    email = unique_email()

    response = register(client, email, comuni["Tradate"], codice_fiscale="RSSMRA85T10A562S")
    assert response.status_code == 200
    assert "Controlla la tua e-mail" in response.text

    message = smtp.last_to(email)
    assert message["From"] == "Sportello Welfare <portale@condiviso.test>"
    assert message["Reply-To"] == "sportello@prova.example"
    link = link_in(message)
    assert link.startswith(f"http://reg.{PLATFORM_DOMAIN}/conferma-email/")
    (user,) = _users(mail_app, email)
    assert user.password_hash is None and user.email_verified_at is None

    page = client.get(path_of(link))
    assert page.status_code == 200 and "Scegli la password" in page.text
    weak = choose_password(client, link, "corta")
    assert weak.status_code == 400 and "almeno 10 caratteri" in weak.text
    confirmed = choose_password(client, link, PASSWORD)
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/account"
    account = client.get("/account")
    assert account.status_code == 200 and "Maria Rossi" in account.text

    elsewhere = host_client(f"reg.{PLATFORM_DOMAIN}", mail_app)
    signed_in = post_form(elsewhere, "/accedi", {"email": email, "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/account"
    # The link has done its work: opening it again changes nothing and asks for nothing.
    again = client.get(path_of(link))
    assert again.status_code == 302

    (user,) = _users(mail_app, email)
    assert user.codice_fiscale == "RSSMRA85T10A562S"
    assert user.email_verified_at is not None
    with mail_app.app_context(), tenant_context("reg"):
        consent = db.session.scalar(sa.select(Consent).where(Consent.user_id == user.id))
        roles = db.session.scalars(sa.select(RoleGrant.role).where(RoleGrant.user_id == user.id))
        assert (consent.kind, consent.method, consent.text_version) == ("privacy", "online", 1)
        assert list(roles) == ["citizen"]


def test_a_password_sent_with_the_registration_is_ignored(mail_app, smtp, host_client, district):
    """Whoever fills in the form never holds the account: the squatter's password is not kept."""
    _info, comuni = district
    client = host_client(f"reg.{PLATFORM_DOMAIN}", mail_app)
    email = unique_email("vittima")
    register(client, email, comuni["Tradate"], password=PASSWORD, password_confirm=PASSWORD)
    (user,) = _users(mail_app, email)
    assert user.password_hash is None
    refused = post_form(client, "/accedi", {"email": email, "password": PASSWORD})
    assert refused.status_code == 400


def test_confirming_an_address_registered_before_sets_a_new_password_and_ends_sessions(
    mail_app, smtp, host_client, district
):
    """An account registered (with a password) before addresses chose their password at
    confirmation: the link's holder still chooses a new one, and older sessions end."""
    _info, comuni = district
    email = unique_email("vecchia")
    with mail_app.app_context(), tenant_context("reg"):
        from condiviso.accounts.passwords import hash_password

        squatter = User(
            email=email,
            full_name="Chi Si Spaccia",
            comune_id=comuni["Tradate"],
            password_hash=hash_password("la password dell'intruso"),
        )
        db.session.add(squatter)
        db.session.commit()
        version = squatter.session_version
    client = host_client(f"reg.{PLATFORM_DOMAIN}", mail_app)
    post_form(client, "/reinvia-conferma", {"email": email})
    link = link_in(smtp.last_to(email))
    assert choose_password(client, link, "la frase della vera titolare").status_code == 302

    (user,) = _users(mail_app, email)
    assert user.session_version == version + 1
    intruder = host_client(f"reg.{PLATFORM_DOMAIN}", mail_app)
    refused = post_form(
        intruder, "/accedi", {"email": email, "password": "la password dell'intruso"}
    )
    assert refused.status_code == 400


def test_an_address_already_registered_is_not_revealed(mail_app, smtp, host_client, district):
    _info, comuni = district
    client = host_client(f"reg.{PLATFORM_DOMAIN}", mail_app)
    email = unique_email()
    register(client, email, comuni["Tradate"])
    choose_password(client, link_in(smtp.last_to(email)), PASSWORD)
    again = register(host_client(f"reg.{PLATFORM_DOMAIN}", mail_app), email, comuni["Tradate"])
    assert again.status_code == 200 and "Controlla la tua e-mail" in again.text
    assert len(_users(mail_app, email)) == 1
    assert "già registrato" in smtp.last_to(email)["Subject"]


def test_registering_an_unconfirmed_address_again_sends_a_new_link(
    mail_app, smtp, host_client, district
):
    _info, comuni = district
    client = host_client(f"reg.{PLATFORM_DOMAIN}", mail_app)
    email = unique_email()
    register(client, email, comuni["Tradate"])
    first = register(client, email, comuni["Castelseprio"])
    assert first.status_code == 200 and "Controlla la tua e-mail" in first.text
    assert len(_users(mail_app, email)) == 1
    assert [m["Subject"] for m in smtp.to(email)] == ["Conferma il tuo indirizzo e-mail"] * 2


def test_registration_mails_an_address_a_few_times_an_hour_at_most(
    mail_app, smtp, host_client, district
):
    _info, comuni = district
    email = unique_email()
    answers = [
        register(host_client(f"reg.{PLATFORM_DOMAIN}", mail_app), email, comuni["Tradate"])
        for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert len(smtp.to(email)) == 3


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"privacy": ""}, "informativa sulla privacy"),
        ({"email": "non-un-indirizzo"}, "Indirizzo e-mail non valido"),
        ({"codice_fiscale": "RSSMRA85T10A562X"}, "codice fiscale non è valido"),
        ({"comune_id": "999999"}, "comune"),
        ({"comune_id": "abc"}, "comune"),
        ({"full_name": ""}, "nome e cognome"),
        ({"full_name": "x" * 200}, "120"),
    ],
)
def test_invalid_registration_is_refused_and_creates_nothing(
    mail_app, host_client, district, changes, field_message
):
    changes = dict(changes)
    _info, comuni = district
    email = changes.pop("email", unique_email())
    client = host_client(f"reg.{PLATFORM_DOMAIN}", mail_app)
    comune_id = changes.pop("comune_id", comuni["Tradate"])
    response = register(client, email, comune_id, **changes)
    assert response.status_code == 400
    assert field_message.lower() in response.text.lower()
    assert 'aria-invalid="true"' in response.text
    assert _users(mail_app, email) == []


def test_a_tampered_verification_link_is_refused(mail_app, smtp, host_client, district):
    _info, comuni = district
    client = host_client(f"reg.{PLATFORM_DOMAIN}", mail_app)
    email = unique_email()
    register(client, email, comuni["Tradate"])
    path = path_of(link_in(smtp.last_to(email)))
    assert client.get(path[:-3] + "xyz").status_code == 400
    (user,) = _users(mail_app, email)
    assert user.email_verified_at is None


def _statements_during(app, slug, send) -> list[str]:
    """The SQL the request thread sends to the district's database while `send()` runs (the
    job it queues runs after the answer, elsewhere)."""
    import threading

    from condiviso.tenancy import get_runtime, registry

    with app.app_context():
        engine = get_runtime(app).engines.engine_for(registry.tenant_info(slug))
    me, seen = threading.get_ident(), []

    def note(_conn, _cursor, statement, *_args):
        if threading.get_ident() == me:
            seen.append(statement.split(" WHERE ")[0])

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        send()
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return seen


@pytest.mark.parametrize("form", ["/registrati", "/password-dimenticata"])
def test_the_page_does_the_same_work_for_a_registered_address(
    mail_app, smtp, host_client, district, form
):
    """Whether an address has an account must not change what the request does (nor, so, how
    long it takes): the lookup happens in the job."""
    _info, comuni = district
    registered = unique_email("nota")
    register(host_client(f"reg.{PLATFORM_DOMAIN}", mail_app), registered, comuni["Tradate"])
    choose_password(
        host_client(f"reg.{PLATFORM_DOMAIN}", mail_app), link_in(smtp.last_to(registered))
    )

    def send(email):
        client = host_client(f"reg.{PLATFORM_DOMAIN}", mail_app)
        if form == "/registrati":
            return lambda: register(client, email, comuni["Tradate"])
        return lambda: post_form(client, form, {"email": email})

    known = _statements_during(mail_app, "reg", send(registered))
    unknown = _statements_during(mail_app, "reg", send(unique_email("ignota")))
    assert known == unknown
    assert not any("user_account" in statement for statement in known)
