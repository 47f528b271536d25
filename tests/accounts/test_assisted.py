"""Assisted registration at a Social Point desk: a citizen with a phone number and no e-mail is
registered by an operator with the consent they gave at the desk, takes home a sheet with an
activation code, activates at /attiva and signs in with the phone number."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from condiviso.accounts.models import ActivationCode, Consent, RoleGrant, User
from condiviso.accounts.phones import normalize_phone
from condiviso.audit.models import AccessAudit
from condiviso.extensions import db
from condiviso.plugins import enablement
from condiviso.tenancy import tenant_context
from condiviso.territory.models import Comune
from tests.accounts.flows import link_in, path_of, post_form, unique_email
from tests.clients import HostClient, csrf_token
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import comune, provision
from tests.people import NEW_PASSWORD, PASSWORD, make_user, phone_number

SLUG = "sportello"
HOST = f"{SLUG}.{PLATFORM_DOMAIN}"
CODE = re.compile(r'class="welcome-code">([A-Z0-9]{4}-[A-Z0-9]{4})<')


@pytest.fixture(scope="module")
def district(mail_app):
    """A district of the mail app, with contacts, two comuni and an operator."""
    provision(
        mail_app,
        SLUG,
        "Ambito di prova (sportello)",
        plugins={"branding": {"contacts": {"phone": "0331 000000", "email": "uffici@prova.it"}}},
        comuni=[comune("012127", "Tradate"), comune("012044", "Castelseprio")],
    )
    with mail_app.app_context(), tenant_context(SLUG):
        comuni = dict(db.session.execute(sa.select(Comune.name, Comune.id)).all())
        tradate = db.session.get(Comune, comuni["Tradate"])
        tradate.social_office = "Piazza Mazzini 6, lunedì e giovedì 9-12"
        tradate.contact_phone = "0331 826811"
        db.session.commit()
    operator = unique_email("operatore")
    make_user(mail_app, SLUG, operator, "operator", full_name="Omar Operatore")
    return {"comuni": comuni, "operator": operator}


def codice_fiscale() -> str:
    """A valid codice fiscale nobody in the suite has used."""
    from codicefiscale import codicefiscale

    birth = datetime(1930, 1, 1) + timedelta(days=random.randint(0, 20_000))
    surname = "".join(random.choice("BCDFGLMNPRSTVZ") for _ in range(3))
    return codicefiscale.encode(
        lastname=surname,
        firstname="Giuseppina",
        gender="F",
        birthdate=birth.strftime("%d/%m/%Y"),
        birthplace="Tradate",
    )


def _desk(mail_app, district, email=None) -> HostClient:
    client = HostClient(mail_app, HOST)
    sign_in = post_form(
        client, "/accedi", {"email": email or district["operator"], "password": PASSWORD}
    )
    assert sign_in.status_code == 302
    return client


def _privacy_version(html: str) -> str:
    match = re.search(r'name="privacy_version" type="hidden" value="(\d*)"', html)
    assert match, "no privacy version on the form"
    return match.group(1)


def _register(client, district, **changes):
    page = client.get("/operatore/registra")
    data = {
        "csrf_token": csrf_token(page.text),
        "privacy_version": _privacy_version(page.text),
        "full_name": "Giuseppina Verdi",
        "comune_id": str(district["comuni"]["Tradate"]),
        "phone": phone_number(),
        "email": "",
        "codice_fiscale": "",
        "consent_method": "read_aloud",
        "consent_given": "y",
    }
    data.update(changes)
    return client.post("/operatore/registra", data={k: v for k, v in data.items() if v is not None})


def _registered(client, district, **changes):
    """Register someone; (user id, code shown on the sheet, phone as typed)."""
    phone = changes.setdefault("phone", phone_number())
    response = _register(client, district, **changes)
    assert response.status_code == 302, response.text
    sheet_path = response.headers["Location"]
    user_id = int(re.search(r"/operatore/cittadini/(\d+)/benvenuto", sheet_path).group(1))
    sheet = client.get(sheet_path)
    assert sheet.status_code == 200
    return user_id, CODE.search(sheet.text).group(1), phone


def _user(app, user_id) -> User:
    with app.app_context(), tenant_context(SLUG):
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def _counts(app) -> tuple[int, ...]:
    with app.app_context(), tenant_context(SLUG):
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (User, Consent, ActivationCode, RoleGrant)
        )


def _activate(app, username, code, password=NEW_PASSWORD, client=None):
    return post_form(
        client or HostClient(app, HOST),
        "/attiva",
        {"username": username, "code": code, "password": password, "password_confirm": password},
    )


# -- the whole journey ---------------------------------------------------------------------------


def test_phone_only_citizen_is_registered_activates_and_signs_in_with_the_phone(
    mail_app, smtp, district
):
    desk = _desk(mail_app, district)
    form = desk.get("/operatore/registra")
    assert form.status_code == 200
    assert "versione 1" in form.text and 'href="/privacy"' in form.text
    mails_before = len(smtp.messages)

    phone = phone_number()
    response = _register(desk, district, phone=phone)
    assert response.status_code == 302
    sheet_path = response.headers["Location"]
    sheet = desk.get(sheet_path)
    assert sheet.status_code == 200 and sheet.headers["Cache-Control"] == "no-store"
    code = CODE.search(sheet.text).group(1)
    assert "Giuseppina Verdi" in sheet.text and "Ambito di prova (sportello)" in sheet.text
    assert phone in sheet.text  # the username, as people write it
    assert f"http://{HOST}/attiva" in sheet.text
    assert "0331 000000" in sheet.text and "Piazza Mazzini 6" in sheet.text
    assert "Omar Operatore" in sheet.text
    assert "dimentichi la password" in sheet.text
    # Shown once: the sheet opened again has no code.
    again = desk.get(sheet_path)
    assert again.status_code == 200 and CODE.search(again.text) is None
    assert len(smtp.messages) == mails_before  # no address, no e-mail

    user_id = int(sheet_path.split("/")[3])
    user = _user(mail_app, user_id)
    assert (user.email, user.phone) == (None, normalize_phone(phone))
    assert user.password_hash is None and not user.is_active
    with mail_app.app_context(), tenant_context(SLUG):
        operator_id = db.session.scalar(
            sa.select(User.id).where(User.email == district["operator"])
        )
        consent = db.session.scalar(sa.select(Consent).where(Consent.user_id == user_id))
        assert (consent.kind, consent.method, consent.text_version) == ("privacy", "read_aloud", 1)
        assert consent.recorded_by_id == operator_id
        roles = db.session.scalars(sa.select(RoleGrant.role).where(RoleGrant.user_id == user_id))
        assert list(roles) == ["citizen"]
        audit = db.session.scalars(
            sa.select(AccessAudit).where(AccessAudit.subject_user_id == user_id)
        ).all()
        assert ("create", operator_id) in {(a.action, a.actor_user_id) for a in audit}
        assert "read" in {a.action for a in audit}  # the sheet was read
        stored = db.session.scalar(
            sa.select(ActivationCode.code_digest).where(ActivationCode.user_id == user_id)
        )
        assert code.replace("-", "") not in stored  # only a keyed digest is kept

    refused = post_form(HostClient(mail_app, HOST), "/accedi", {"email": phone, "password": "x"})
    assert refused.status_code == 400
    assert "Numero di telefono o password non corretti." in refused.text

    # The citizen types the number their own way and the code in small letters, no dash.
    typed = "+39" + phone.replace(" ", "")
    activated = _activate(mail_app, typed, code.replace("-", "").lower())
    assert activated.status_code == 302 and activated.headers["Location"] == "/account"
    user = _user(mail_app, user_id)
    assert user.is_active and user.activated_at is not None and user.email_verified_at is None

    citizen = HostClient(mail_app, HOST)
    signed_in = post_form(
        citizen, "/accedi", {"email": phone.replace(" ", ""), "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/account"
    account = citizen.get("/account")
    assert account.status_code == 200 and phone in account.text


def test_a_citizen_with_email_gets_a_confirmation_mail_without_the_code(mail_app, smtp, district):
    desk = _desk(mail_app, district)
    email = unique_email("nonna")
    user_id, code, _phone = _registered(
        desk,
        district,
        email=email,
        consent_method="paper",
        codice_fiscale=(cf := codice_fiscale()).lower(),
    )
    message = smtp.last_to(email)
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert code not in body and code.replace("-", "") not in body
    assert f"http://{HOST}/attiva" in body
    confirmed = HostClient(mail_app, HOST).get(path_of(link_in(message)))
    assert confirmed.status_code == 302
    user = _user(mail_app, user_id)
    assert user.email == email and user.email_verified_at is not None
    assert user.codice_fiscale == cf
    with mail_app.app_context(), tenant_context(SLUG):
        consent = db.session.scalar(sa.select(Consent).where(Consent.user_id == user_id))
        assert consent.method == "paper"

    assert _activate(mail_app, email, code).status_code == 302
    signed_in = post_form(
        HostClient(mail_app, HOST), "/accedi", {"email": email, "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302


# -- refused input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"consent_given": None}, "Senza il consenso della persona"),
        ({"consent_method": None}, "Indica come la persona ha ricevuto"),
        ({"consent_method": "telepathy"}, "Indica come la persona ha ricevuto"),
        ({"phone": "12"}, "Numero di telefono non valido"),
        ({"phone": "333 123 456 789 0123"}, "Numero di telefono non valido"),
        ({"phone": ""}, "Scrivi il numero di telefono della persona"),
        ({"codice_fiscale": "RSSMRA85T10A562X"}, "Il codice fiscale non è valido"),
        ({"full_name": "Maria\x00Rossi"}, "Il nome contiene caratteri non ammessi"),
        ({"full_name": "Maria\x1b[31m"}, "Il nome contiene caratteri non ammessi"),
        ({"phone": "333\x07123456"}, "caratteri non ammessi"),
        ({"email": "non-una-mail"}, "Indirizzo e-mail non valido"),
        ({"comune_id": "999"}, "Comune di residenza:"),
        ({"privacy_version": "0"}, "è appena stata aggiornata"),
        ({"full_name": "x" * 121}, "Al massimo 120 caratteri"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_saves_nothing(
    mail_app, district, changes, message
):
    desk = _desk(mail_app, district)
    before = _counts(mail_app)
    response = _register(desk, district, **changes)
    assert response.status_code == 400
    assert message in response.text
    assert 'id="errori"' in response.text
    assert _counts(mail_app) == before


@pytest.mark.parametrize("field", ["phone", "email", "codice_fiscale"])
def test_a_person_already_registered_is_named_and_nothing_is_saved(mail_app, district, field):
    desk = _desk(mail_app, district)
    values = {
        "phone": phone_number(),
        "email": unique_email("doppio"),
        "codice_fiscale": codice_fiscale(),
    }
    first = _register(desk, district, full_name="Primo Bianchi", **values)
    assert first.status_code == 302
    first_id = int(first.headers["Location"].split("/")[3])
    before = _counts(mail_app)
    again = {"phone": phone_number(), "email": "", "codice_fiscale": ""}
    again[field] = values[field].lower() if field != "phone" else "+39" + values["phone"]
    response = _register(desk, district, full_name="Secondo Bianchi", **again)
    assert response.status_code == 400
    assert "già registrato: appartiene a Primo Bianchi (Tradate)" in response.text
    assert f'href="/operatore/cittadini/{first_id}/benvenuto"' in response.text
    assert _counts(mail_app) == before


def test_a_member_of_staff_is_named_but_their_sheet_is_not_offered(mail_app, district):
    desk = _desk(mail_app, district)
    before = _counts(mail_app)
    response = _register(desk, district, email=district["operator"])
    assert response.status_code == 400 and "Omar Operatore" in response.text
    assert "/benvenuto" not in response.text
    assert _counts(mail_app) == before


def test_a_citizen_and_cooperative_staff_cannot_use_the_desk(mail_app, district):
    desk = _desk(mail_app, district)
    citizen_id, _code, _phone = _registered(desk, district)
    for role, scope in (
        ("citizen", {}),
        ("cooperative_staff", {"cooperative_id": 1}),
        ("comune_staff", {"comune_ids": [1]}),
    ):
        email = unique_email(role.replace("_", "-"))
        make_user(mail_app, SLUG, email, role, **scope)
        client = _desk(mail_app, district, email)
        assert client.get("/operatore/registra").status_code == 403, role
        assert client.get(f"/operatore/cittadini/{citizen_id}/benvenuto").status_code == 403
        before = _counts(mail_app)
        token = csrf_token(client.get("/account").text)
        renewed = client.post(
            f"/operatore/cittadini/{citizen_id}/nuovo-codice", data={"csrf_token": token}
        )
        assert renewed.status_code == 403
        registered = client.post(
            "/operatore/registra",
            data={
                "csrf_token": token,
                "full_name": "Intrusa",
                "comune_id": "1",
                "phone": phone_number(),
                "consent_method": "paper",
                "consent_given": "y",
                "privacy_version": "1",
            },
        )
        assert registered.status_code == 403 and _counts(mail_app) == before
    guest = HostClient(mail_app, HOST)
    assert guest.get("/operatore/registra").headers["Location"].startswith("/accedi?next=")


def test_a_district_admin_may_register_too(mail_app, district):
    admin = unique_email("amministrazione")
    make_user(mail_app, SLUG, admin, "district_admin")
    _registered(_desk(mail_app, district, admin), district)


def test_another_districts_citizen_is_not_found(mail_app, district):
    other = f"altro-{random.randint(0, 10**6)}"
    provision(mail_app, other, "Ambito di prova (altro)", comuni=[comune("012127", "Tradate")])
    for number in range(3):  # so that B's citizen has an id A's host has not given
        make_user(mail_app, other, unique_email(f"b{number}"), "citizen")
    with mail_app.app_context(), tenant_context(other):
        foreign = db.session.scalar(sa.select(sa.func.max(User.id)))
        db.session.execute(sa.update(User).values(full_name="Persona di Beta"))
        db.session.commit()
    fresh = f"nuovo-{random.randint(0, 10**6)}"
    provision(mail_app, fresh, "Ambito di prova (nuovo)", comuni=[comune("012127", "Tradate")])
    operator = unique_email("operatore")
    make_user(mail_app, fresh, operator, "operator")
    client = HostClient(mail_app, f"{fresh}.{PLATFORM_DOMAIN}")
    assert (
        post_form(client, "/accedi", {"email": operator, "password": PASSWORD}).status_code == 302
    )
    page = client.get(f"/operatore/cittadini/{foreign}/benvenuto")
    assert page.status_code == 404 and "Persona di Beta" not in page.text
    token = csrf_token(client.get("/operatore/registra").text)
    renewed = client.post(
        f"/operatore/cittadini/{foreign}/nuovo-codice", data={"csrf_token": token}
    )
    assert renewed.status_code == 404
    # The operator's own account is staff: no sheet, no code.
    assert client.get("/operatore/cittadini/1/benvenuto").status_code == 404
    with mail_app.app_context(), tenant_context(other):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ActivationCode)) == 0


# -- activation ----------------------------------------------------------------------------------


def test_a_wrong_code_is_refused_and_changes_nothing(mail_app, district):
    desk = _desk(mail_app, district)
    user_id, code, phone = _registered(desk, district)
    wrong = "ACDE-FGHJ" if code != "ACDE-FGHJ" else "KLMN-PQRT"
    refused = _activate(mail_app, phone, wrong)
    assert refused.status_code == 400 and "il codice non sono validi" in refused.text
    unknown = _activate(mail_app, phone_number(), code)
    assert unknown.status_code == 400 and unknown.text.count("non sono validi") == 1
    user = _user(mail_app, user_id)
    assert user.password_hash is None and user.activated_at is None
    weak = _activate(mail_app, phone, code, password="corta")
    assert weak.status_code == 400 and "almeno 10 caratteri" in weak.text
    assert _activate(mail_app, phone, code).status_code == 302  # the code was not spent


def test_a_used_code_is_refused_the_second_time(mail_app, district):
    desk = _desk(mail_app, district)
    user_id, code, phone = _registered(desk, district)
    assert _activate(mail_app, phone, code).status_code == 302
    hash_after_first = _user(mail_app, user_id).password_hash
    second = _activate(mail_app, phone, code, password="un'altra frase lunga")
    assert second.status_code == 400 and "già stato usato" in second.text
    assert _user(mail_app, user_id).password_hash == hash_after_first


def test_an_expired_code_is_refused(mail_app, district):
    desk = _desk(mail_app, district)
    user_id, code, phone = _registered(desk, district)
    with mail_app.app_context(), tenant_context(SLUG):
        db.session.execute(
            sa.update(ActivationCode)
            .where(ActivationCode.user_id == user_id)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        db.session.commit()
    assert _activate(mail_app, phone, code).status_code == 400
    assert _user(mail_app, user_id).password_hash is None


def test_a_new_code_replaces_the_old_one_and_resets_a_forgotten_password(mail_app, district):
    desk = _desk(mail_app, district)
    user_id, first, phone = _registered(desk, district)
    assert _activate(mail_app, phone, first).status_code == 302
    sheet = desk.get(f"/operatore/cittadini/{user_id}/benvenuto")
    renewed = desk.post(
        f"/operatore/cittadini/{user_id}/nuovo-codice", data={"csrf_token": csrf_token(sheet.text)}
    )
    assert renewed.status_code == 302
    second = CODE.search(desk.get(renewed.headers["Location"]).text).group(1)
    assert second != first
    third_sheet = desk.post(
        f"/operatore/cittadini/{user_id}/nuovo-codice", data={"csrf_token": csrf_token(sheet.text)}
    )
    third = CODE.search(desk.get(third_sheet.headers["Location"]).text).group(1)
    assert _activate(mail_app, phone, second).status_code == 400  # replaced by the third
    assert _activate(mail_app, phone, third, password="una frase tutta nuova").status_code == 302
    signed_in = post_form(
        HostClient(mail_app, HOST), "/accedi", {"email": phone, "password": "una frase tutta nuova"}
    )
    assert signed_in.status_code == 302
    with mail_app.app_context(), tenant_context(SLUG):
        recorded = db.session.execute(
            sa.select(AccessAudit.action, AccessAudit.record_type).where(
                AccessAudit.subject_user_id == user_id,
                AccessAudit.record_type == "accounts.activation_code",
            )
        ).all()
    assert recorded == [("create", "accounts.activation_code")] * 2


def test_the_code_never_travels_in_the_session_cookie_in_clear(mail_app, district):
    desk = _desk(mail_app, district)
    response = _register(desk, district, phone=phone_number())
    assert response.status_code == 302
    payload = _cookie_payload(desk.cookie())
    code = CODE.search(desk.get(response.headers["Location"]).text).group(1)
    assert code not in payload and code.replace("-", "") not in payload


def _cookie_payload(cookie: str) -> str:
    """What anyone holding the (signed, not encrypted) session cookie can read."""
    import base64
    import zlib

    compressed = cookie.startswith(".")  # ".payload.time.signature" when zlib-compressed
    data = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode()


def test_activation_attempts_are_limited_per_username_and_address(mail_app, district):
    desk = _desk(mail_app, district)
    user_id, code, phone = _registered(desk, district)
    wrong = "ACDE-FGHJ" if code != "ACDE-FGHJ" else "KLMN-PQRT"
    guesser = HostClient(mail_app, HOST)
    for _attempt in range(10):
        assert _activate(mail_app, phone, wrong, client=guesser).status_code == 400
    blocked = _activate(mail_app, "+39" + phone.replace(" ", ""), code, client=guesser)
    assert blocked.status_code == 429
    assert _user(mail_app, user_id).password_hash is None
    # The citizen, from another address, still activates.
    assert _activate(mail_app, phone, code).status_code == 302


def test_a_crowd_of_addresses_is_stopped_on_one_username(mail_app, district):
    desk = _desk(mail_app, district)
    user_id, code, phone = _registered(desk, district)
    wrong = "ACDE-FGHJ" if code != "ACDE-FGHJ" else "KLMN-PQRT"
    for _attempt in range(50):  # each from another address
        assert _activate(mail_app, phone, wrong).status_code == 400
    assert _activate(mail_app, phone, code).status_code == 429
    assert _user(mail_app, user_id).password_hash is None


def test_no_code_for_staff_accounts(mail_app, district):
    with mail_app.app_context(), tenant_context(SLUG):
        operator_id = db.session.scalar(
            sa.select(User.id).where(User.email == district["operator"])
        )
    desk = _desk(mail_app, district)
    token = csrf_token(desk.get("/operatore/registra").text)
    before = _counts(mail_app)
    assert desk.get(f"/operatore/cittadini/{operator_id}/benvenuto").status_code == 404
    renewed = desk.post(
        f"/operatore/cittadini/{operator_id}/nuovo-codice", data={"csrf_token": token}
    )
    assert renewed.status_code == 404 and _counts(mail_app) == before


# -- e-mail paths with phone-only people --------------------------------------------------------


def test_password_reset_for_a_phone_number_sends_nothing_and_points_to_the_desk(
    mail_app, smtp, district
):
    desk = _desk(mail_app, district)
    _user_id, code, phone = _registered(desk, district)
    _activate(mail_app, phone, code)
    before = len(smtp.messages)
    response = post_form(HostClient(mail_app, HOST), "/password-dimenticata", {"email": phone})
    assert response.status_code == 200 and "torna al Social Point" in response.text
    nobody = post_form(
        HostClient(mail_app, HOST), "/password-dimenticata", {"email": phone_number()}
    )
    assert nobody.status_code == 200 and nobody.text.count("Social Point") == response.text.count(
        "Social Point"
    )
    assert len(smtp.messages) == before


def test_password_reset_by_phone_reaches_the_address_when_there_is_one(mail_app, smtp, district):
    desk = _desk(mail_app, district)
    email = unique_email("con-mail")
    _user_id, _code, phone = _registered(desk, district, email=email)
    post_form(HostClient(mail_app, HOST), "/password-dimenticata", {"email": phone})
    assert "/reimposta-password/" in link_in(smtp.last_to(email))


def test_a_phone_only_citizen_manages_the_account(mail_app, smtp, district):
    desk = _desk(mail_app, district)
    user_id, code, phone = _registered(desk, district)
    _activate(mail_app, phone, code)
    client = HostClient(mail_app, HOST)
    post_form(client, "/accedi", {"email": phone, "password": NEW_PASSWORD})
    profile = {
        "full_name": "Giuseppina Verdi Rossi",
        "email": "",
        "comune_id": str(district["comuni"]["Castelseprio"]),
        "codice_fiscale": "",
        "locale": "it",
    }
    saved = post_form(client, "/account", profile)
    assert saved.status_code == 302
    assert _user(mail_app, user_id).full_name == "Giuseppina Verdi Rossi"
    new = unique_email("aggiunta")
    post_form(client, "/account", {**profile, "email": new})
    client.get(path_of(link_in(smtp.last_to(new))))
    assert _user(mail_app, user_id).email == new
    # A new address signs out every session; the phone number still signs in.
    assert (
        post_form(client, "/accedi", {"email": phone, "password": NEW_PASSWORD}).status_code == 302
    )

    deleted = post_form(client, "/account/elimina", {"password": NEW_PASSWORD, "confirm": "y"})
    assert deleted.status_code == 200
    user = _user(mail_app, user_id)
    assert user.phone is None and user.activated_at is None and user.deleted_at is not None
    with mail_app.app_context(), tenant_context(SLUG):
        left = db.session.scalar(
            sa.select(sa.func.count()).where(ActivationCode.user_id == user_id)
        )
    assert left == 0
    # The number is free again for whoever is given it next.
    assert _register(desk, district, phone=phone).status_code == 302


def test_requests_of_a_phone_only_citizen_notify_the_desk_and_skip_the_citizen(
    mail_app, smtp, district
):
    from plugins.requests.models import Request
    from tests.catalog.fixtures import build_network
    from tests.districts import ACTOR

    slug = f"rich-tel-{random.randint(0, 10**6)}"
    build_network(mail_app, slug)
    with mail_app.app_context():
        enablement.set_plugin(slug, "requests", ACTOR, True, {})
        with tenant_context(slug):
            from plugins.cooperatives.models import Cooperative

            for cooperative in db.session.scalars(sa.select(Cooperative)):
                cooperative.email = f"sportello-{cooperative.slug}@{slug}.example.org"
            db.session.commit()
    host = f"{slug}.{PLATFORM_DOMAIN}"
    operator = unique_email("operatore")
    make_user(mail_app, slug, operator, "operator")
    desk = HostClient(mail_app, host)
    post_form(desk, "/accedi", {"email": operator, "password": PASSWORD})
    page = desk.get("/operatore/registra")
    phone = phone_number()
    with mail_app.app_context(), tenant_context(slug):
        comune_id = db.session.scalar(sa.select(Comune.id).limit(1))
    registered = desk.post(
        "/operatore/registra",
        data={
            "csrf_token": csrf_token(page.text),
            "privacy_version": _privacy_version(page.text),
            "full_name": "Anselmo Neri",
            "comune_id": str(comune_id),
            "phone": phone,
            "consent_method": "read_aloud",
            "consent_given": "y",
        },
    )
    code = CODE.search(desk.get(registered.headers["Location"]).text).group(1)
    citizen = HostClient(mail_app, host)
    activated = post_form(
        citizen,
        "/attiva",
        {
            "username": phone,
            "code": code,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert activated.status_code == 302
    before = len(smtp.messages)
    ask = citizen.get("/servizi/sad/richiedi")
    submission = ask.text.split('name="submission" value="')[1].split('"')[0]
    sent = citizen.post(
        "/servizi/sad/richiedi",
        data={
            "csrf_token": csrf_token(ask.text),
            "submission": submission,
            "message": "Vivo solo, mi serve aiuto per la spesa.",
        },
    )
    assert sent.status_code == 302
    arrived = smtp.messages[before:]
    assert [m["To"] for m in arrived] == [f"sportello-girasole@{slug}.example.org"]
    with mail_app.app_context(), tenant_context(slug):
        request = db.session.scalar(sa.select(Request))
        assert request.contact_email is None
        assert normalize_phone(phone) in request.events[0].actor_label


# -- the migration ---------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["core_0003", "core_0002"])
def test_the_migration_keeps_everyones_roles_and_consents(app, new_tenant, start):
    """core_0004 rebuilds user_account on SQLite: other tables refer to it with ON DELETE
    CASCADE, so a rebuild with foreign keys enforced would empty them; also when it runs after
    other migrations in the same upgrade."""
    from condiviso.tenancy.databases import migrate_database
    from condiviso.tenancy.engines import configure_sqlite, resolve_url
    from condiviso.tenancy.migrations import CORE_TENANT_HISTORY, current_heads, downgrade

    tenant = new_tenant()
    email = unique_email("storica")
    user_id = make_user(app, tenant.slug, email, "citizen", "operator")
    with app.app_context(), tenant_context(tenant.slug):
        db.session.add(Consent(user_id=user_id, kind="privacy", text_version=1, method="online"))
        db.session.commit()
    url = resolve_url(tenant.database_url, app.config["INSTANCE_PATH"])
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine, 5000)  # foreign keys enforced, as in production
    with engine.connect() as connection:
        downgrade(connection, CORE_TENANT_HISTORY, start)
        connection.commit()

    def rows(connection):
        return (
            connection.scalar(
                sa.text("SELECT count(*) FROM role_grant WHERE user_id = :u"), {"u": user_id}
            ),
            connection.scalar(
                sa.text("SELECT count(*) FROM consent WHERE user_id = :u"), {"u": user_id}
            ),
        )

    with engine.connect() as connection:
        assert current_heads(connection, CORE_TENANT_HISTORY) == (start,)
        assert rows(connection) == (2, 1)
    assert migrate_database(app.config, tenant.database_url, [CORE_TENANT_HISTORY]) == ["core"]
    with engine.connect() as connection:
        assert current_heads(connection, CORE_TENANT_HISTORY) == ("core_0004",)
        assert rows(connection) == (2, 1)
        columns = {c["name"]: c for c in sa.inspect(connection).get_columns("user_account")}
        assert columns["email"]["nullable"] and "phone" in columns
    engine.dispose()
