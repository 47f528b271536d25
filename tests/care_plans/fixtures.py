"""A district with the small catalog network, requests and care plans, and its people: an
operator, a district admin, cooperative and comune staff, and citizens; helpers that drive the
care-plan pages as those people do."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from condiviso.extensions import db
from condiviso.plugins import enablement
from condiviso.tenancy import tenant_context
from condiviso.territory.models import Comune
from plugins.cooperatives.models import Cooperative
from tests.accounts.flows import post_form, unique_email
from tests.catalog.fixtures import build_network
from tests.clients import HostClient
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import ACTOR
from tests.people import PASSWORD, make_user

NEEDS = {
    "held_on": "",
    "level_famiglia": "medio",
    "notes_famiglia": "Vive con il figlio che lavora fuori casa tutto il giorno.",
    "level_salute": "alto",
    "notes_salute": "Diabete, difficoltà a camminare dopo la caduta di marzo.",
    "level_casa": "lieve",
    "level_lavoro": "nessuno",
    "level_reddito": "medio",
    "notes_reddito": "Pensione minima.",
    "level_isolamento": "alto",
    "notes_isolamento": "Esce di casa una volta alla settimana.",
    "notes": "Segreto di prova: la signora chiede discrezione con i vicini.",
}


@dataclass
class District:
    app: Flask
    slug: str
    services: dict[str, int]
    people: dict[str, str] = field(default_factory=dict)  # role -> e-mail
    ids: dict[str, int] = field(default_factory=dict)  # role -> user id

    @property
    def host(self) -> str:
        return f"{self.slug}.{PLATFORM_DOMAIN}"

    def client(self, who: str | None = None) -> HostClient:
        """A client on the district's host, signed in as `who` (a key of `people`)."""
        client = HostClient(self.app, self.host)
        if who is not None:
            response = post_form(
                client, "/accedi", {"email": self.people[who], "password": PASSWORD}
            )
            assert response.status_code == 302, (who, response.status_code)
        return client

    def add_person(self, who: str, *roles: str, **scope) -> int:
        email = unique_email(who.replace("_", "-"))
        user_id = make_user(
            self.app, self.slug, email, *roles, full_name=scope.pop("full_name", None), **scope
        )
        self.people[who], self.ids[who] = email, user_id
        return user_id


def build_district(app: Flask, slug: str, reminder_days: int | None = None) -> District:
    """The catalog network of `tests.catalog.fixtures` with requests and care plans enabled,
    desks' e-mail addresses set, and one person of each kind."""
    services = build_network(app, slug)
    settings = {} if reminder_days is None else {"reminder_days": reminder_days}
    with app.app_context():
        enablement.set_plugin(slug, "requests", ACTOR, True, {})
        enablement.set_plugin(slug, "care_plans", ACTOR, True, settings)
        with tenant_context(slug):
            for cooperative in db.session.scalars(sa.select(Cooperative)):
                cooperative.email = f"sportello-{cooperative.slug}@{slug}.example.org"
            comune_id = db.session.scalar(sa.select(Comune.id).where(Comune.istat_code == "012127"))
            girasole = db.session.scalar(
                sa.select(Cooperative.id).where(Cooperative.slug == "girasole")
            )
            db.session.commit()
    district = District(app, slug, services)
    district.add_person("operator", "operator", full_name="Olga Operatrice")
    district.add_person("admin", "district_admin", full_name="Ada Amministratrice")
    district.add_person("cooperative_staff", "cooperative_staff", cooperative_id=girasole)
    district.add_person("comune_staff", "comune_staff", comune_ids=[comune_id])
    district.add_person("citizen", "citizen", full_name="Maria Bianchi")
    district.add_person("other_citizen", "citizen", full_name="Giulia Verdi")
    return district


def form_of(page_html: str, action: str) -> str:
    """The CSRF token of the page (every form of a page carries the same one)."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert match, f"no CSRF token on the page holding {action}"
    return match.group(1)


def post_on(client: HostClient, page: str, action: str, data: dict):
    """POST `data` to `action` with the token of `page`, as its form does."""
    token = form_of(client.get(page).text, action)
    return client.post(action, data={**data, "csrf_token": token})


def record_intake(district: District, client: HostClient | None = None, **changes) -> int:
    """An intake for the district's citizen, through the operator's form; its id."""
    client = client or district.client("operator")
    citizen = district.ids["citizen"]
    page = f"/admin/piani/persone/{citizen}/colloqui/nuovo"
    data = {**NEEDS, "held_on": in_days(0).isoformat(), **changes}
    response = post_on(client, page, page, data)
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rsplit("/", 1)[1])


def start_plan(district: District, client: HostClient | None = None, **changes) -> int:
    client = client or district.client("operator")
    citizen = district.ids["citizen"]
    page = f"/admin/piani/persone/{citizen}/piani/nuovo"
    data = {
        "review_on": in_days(60).isoformat(),
        "goals": "Uscire di casa due volte a settimana\nAvere aiuto per la spesa",
        "notes": "Nota riservata del piano: preferisce le visite al mattino.",
        **changes,
    }
    response = post_on(client, page, page, data)
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rsplit("/", 1)[1])


def add_item(district: District, plan_id: int, client: HostClient | None = None, **data):
    client = client or district.client("operator")
    page = f"/admin/piani/{plan_id}"
    return post_on(client, page, f"{page}/servizi", data)


def catalog_item(district: District, slug: str, **changes) -> dict[str, str]:
    return {
        "service_id": str(district.services[slug]),
        "frequency": "2 volte a settimana",
        "cost": "12,50",
        "funding": "comune",
        **changes,
    }


def move(district: District, plan_id: int, status: str, client: HostClient | None = None):
    client = client or district.client("operator")
    page = f"/admin/piani/{plan_id}"
    return post_on(client, page, f"{page}/stato", {"status": status})


def in_days(days: int) -> date:
    """A day counted from today where the districts are (the tests' time zone)."""
    return datetime.now(ZoneInfo("Europe/Rome")).date() + timedelta(days=days)
