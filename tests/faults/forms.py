"""The forms a person may be sending when something fails, and the check that nothing is lost:
each form submitted during a fault either succeeded (its data and its e-mail exist afterwards)
or said so in a page (503, "non è stato salvato") and saved nothing."""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask
from werkzeug.test import TestResponse

from condiviso.accounts.activation import issue_code
from condiviso.accounts.models import ActivationCode, Invitation, RoleGrant, User
from condiviso.accounts.phones import normalize_phone
from condiviso.extensions import db
from condiviso.plugins import enablement
from condiviso.tenancy import registry, tenant_context
from condiviso.territory.models import Comune
from plugins.cooperatives.models import Cooperative
from plugins.requests.models import Request
from plugins.social_point.models import Booking
from tests.catalog.fixtures import build_network
from tests.clients import HostClient, csrf_token
from tests.conftest import PLATFORM_DOMAIN, SmtpSink
from tests.districts import ACTOR
from tests.people import PASSWORD, make_user
from tests.social_point.fixtures import desk_open_every_day

NOT_SAVED = "non è stato salvato"
_slots = itertools.count(0)


@dataclass(frozen=True)
class District:
    """A district with every plugin a form needs: catalog, requests, a Social Point."""

    slug: str
    name: str
    point: int
    operator_id: int
    comune_id: int

    @property
    def host(self) -> str:
        return f"{self.slug}.{PLATFORM_DOMAIN}"


def build_district(app: Flask, slug: str) -> District:
    build_network(app, slug)
    with app.app_context():
        for plugin in ("requests", "social_point"):
            enablement.set_plugin(slug, plugin, ACTOR, True, {})
        with tenant_context(slug):
            for cooperative in db.session.scalars(sa.select(Cooperative)):
                cooperative.email = f"sportello-{cooperative.slug}@{slug}.example.org"
            comune_id = db.session.scalar(sa.select(Comune.id).order_by(Comune.id))
            db.session.commit()
        name = registry.tenant_info(slug).display_name
    operator = make_user(app, slug, _email("operatore"), "operator")
    point = desk_open_every_day(app, slug, operator)
    return District(slug, name, point, operator, comune_id)


def _email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@esempio.it"


def _phone() -> str:
    while True:
        digits = f"33{random.randint(0, 9)}{random.randint(0, 9_999_999):07d}"
        if normalize_phone(digits):
            return digits


def _scalar(app: Flask, slug: str, statement) -> object:
    with app.app_context(), tenant_context(slug):
        return db.session.scalar(statement)


@dataclass
class OpenForm:
    """A form on someone's screen: its page loaded (CSRF token kept) before the fault."""

    name: str
    client: HostClient
    path: str
    data: dict[str, str]
    saved: Callable[[], bool]
    mail_to: str | None
    response: TestResponse | None = field(default=None)

    def submit(self) -> TestResponse:
        self.response = self.client.post(self.path, data=self.data)
        return self.response


def _opened(client: HostClient, page: str) -> str:
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    return response.text


def _signed_in(client: HostClient, email: str) -> HostClient:
    token = csrf_token(_opened(client, "/accedi"))
    signed = client.post(
        "/accedi", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302, signed.text
    return client


def open_forms(app: Flask, district: District, finish_jobs: bool = True) -> list[OpenForm]:
    """Sign-in, registration, password reset, activation at /attiva, a staff invitation, a
    request for a service and a Social Point booking, each opened by a person of its own on
    `app` (a worker of the deployment)."""
    slug, host = district.slug, district.host

    def client() -> HostClient:
        return HostClient(app, host, finish_jobs=finish_jobs)

    opened_at = datetime.now(UTC)
    forms = []

    citizen = _email("accesso")
    make_user(app, slug, citizen, "citizen")
    page = _opened(sign_in := client(), "/accedi")
    forms.append(
        OpenForm(
            "accesso",
            sign_in,
            "/accedi",
            {"email": citizen, "password": PASSWORD, "csrf_token": csrf_token(page)},
            lambda: _last_login(app, slug, citizen) >= opened_at,
            None,
        )
    )

    newcomer = _email("registrazione")
    page = _opened(registering := client(), "/registrati")
    forms.append(
        OpenForm(
            "registrazione",
            registering,
            "/registrati",
            {
                "full_name": "Maria Rossi",
                "email": newcomer,
                "comune_id": str(district.comune_id),
                "password": PASSWORD,
                "password_confirm": PASSWORD,
                "privacy": "y",
                "csrf_token": csrf_token(page),
            },
            lambda: (
                _scalar(app, slug, sa.select(User.id).where(User.email == newcomer)) is not None
            ),
            newcomer,
        )
    )

    forgetful = _email("reimposta")
    make_user(app, slug, forgetful, "citizen")
    page = _opened(resetting := client(), "/password-dimenticata")
    forms.append(
        OpenForm(
            "password dimenticata",
            resetting,
            "/password-dimenticata",
            {"email": forgetful, "csrf_token": csrf_token(page)},
            lambda: True,  # nothing is stored: the e-mail is the whole effect
            forgetful,
        )
    )

    phone, code = _desk_registration(app, district)
    page = _opened(activating := client(), "/attiva")
    forms.append(
        OpenForm(
            "attivazione",
            activating,
            "/attiva",
            {
                "username": phone,
                "code": code,
                "password": "una frase nuova e lunga",
                "password_confirm": "una frase nuova e lunga",
                "csrf_token": csrf_token(page),
            },
            lambda: (
                _scalar(
                    app,
                    slug,
                    sa.select(ActivationCode.used_at)
                    .join(User, User.id == ActivationCode.user_id)
                    .where(User.phone == normalize_phone(phone)),
                )
                is not None
            ),
            None,
        )
    )

    admin = _email("amministra")
    make_user(app, slug, admin, "district_admin")
    inviting = _signed_in(client(), admin)
    page = _opened(inviting, "/admin/personale")
    invited = _email("invitata")
    forms.append(
        OpenForm(
            "invito",
            inviting,
            "/admin/personale",
            {"email": invited, "role": "operator", "csrf_token": csrf_token(page)},
            lambda: (
                _scalar(app, slug, sa.select(Invitation.id).where(Invitation.email == invited))
                is not None
            ),
            invited,
        )
    )

    asking_email = _email("richiesta")
    make_user(app, slug, asking_email, "citizen")
    asking = _signed_in(client(), asking_email)
    page = _opened(asking, "/servizi/sad/richiedi")
    marker = uuid.uuid4().hex[:10]
    forms.append(
        OpenForm(
            "richiesta",
            asking,
            "/servizi/sad/richiedi",
            {
                "message": f"Serve aiuto a casa ({marker}).",
                "submission": page.split('name="submission" value="')[1].split('"')[0],
                "csrf_token": csrf_token(page),
            },
            lambda: (
                _scalar(app, slug, sa.select(Request.id).where(Request.message.contains(marker)))
                is not None
            ),
            asking_email,
        )
    )

    booking_email = _email("prenota")
    booker = make_user(app, slug, booking_email, "citizen")
    booking = _signed_in(client(), booking_email)
    day, slot = _free_slot()
    page = _opened(booking, f"/social-point/{district.point}/prenota?orario={slot}")
    forms.append(
        OpenForm(
            "prenotazione",
            booking,
            f"/social-point/{district.point}/prenota",
            {"orario": slot, "mode": "in_person", "csrf_token": csrf_token(page)},
            lambda: (
                _scalar(
                    app,
                    slug,
                    sa.select(Booking.id).where(
                        Booking.citizen_user_id == booker, Booking.day == day
                    ),
                )
                is not None
            ),
            booking_email,
        )
    )
    return forms


def _last_login(app: Flask, slug: str, email: str) -> datetime:
    value = _scalar(app, slug, sa.select(User.last_login_at).where(User.email == email))
    if value is None:
        return datetime.min.replace(tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _desk_registration(app: Flask, district: District) -> tuple[str, str]:
    """A person registered at a desk with a phone number only: (phone, activation code)."""
    phone = _phone()
    with app.app_context(), tenant_context(district.slug):
        user = User(full_name="Giuseppina Verdi", phone=normalize_phone(phone))
        user.grants.append(RoleGrant(role="citizen"))
        db.session.add(user)
        db.session.flush()
        code = issue_code(user, db.session.get(User, district.operator_id))
        db.session.commit()
    return phone, code


def _free_slot() -> tuple[date, str]:
    """A slot nobody else in the suite books: a different day for each call."""
    day = datetime.now(ZoneInfo("Europe/Rome")).date() + timedelta(days=3 + next(_slots))
    return day, f"{day.isoformat()}T09:00"


def check_nothing_lost(forms: list[OpenForm], smtp: SmtpSink, mails_before: dict) -> dict:
    """After the fault: every form either succeeded, with its data and its e-mail there, or was
    answered with a page saying it was not saved, and saved nothing. Returns the outcome of
    each form ("saved" or "refused")."""
    outcomes = {}
    for form in forms:
        response = form.response
        assert response is not None, f"{form.name} was not submitted"
        if response.status_code == 503:
            assert NOT_SAVED in response.text, (form.name, response.text)
            assert response.headers.get("Retry-After"), form.name
            if form.name != "password dimenticata":
                assert not form.saved(), f"{form.name}: refused, yet saved"
            if form.mail_to is not None:
                assert len(smtp.to(form.mail_to)) == mails_before.get(form.mail_to, 0), form.name
            outcomes[form.name] = "refused"
        else:
            assert response.status_code in (200, 302), (form.name, response.status_code)
            assert form.saved(), f"{form.name}: answered {response.status_code}, yet not saved"
            if form.mail_to is not None:
                assert len(smtp.to(form.mail_to)) == mails_before.get(form.mail_to, 0) + 1, (
                    form.name,
                    [m["Subject"] for m in smtp.to(form.mail_to)],
                )
            outcomes[form.name] = "saved"
    return outcomes


def stylesheet(app: Flask) -> str:
    """The address of the one stylesheet every page links (a hashed name)."""
    from flask import url_for

    with app.test_request_context():
        return url_for("static", filename="condiviso.css")


def mail_counts(forms: list[OpenForm], smtp: SmtpSink) -> dict:
    return {f.mail_to: len(smtp.to(f.mail_to)) for f in forms if f.mail_to is not None}
