"""Who reaches intake and plan records: operators and the district admin of the same district,
nobody else. Cooperative and comune staff (and citizens) are refused every staff page and every
form, and change nothing; another district's ids are not found; another district's session is
a guest here; a citizen sees only their own plans."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from condiviso.audit.models import AccessAudit
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.care_plans.models import CarePlan, Intake, PlanItem
from tests.accounts.flows import post_form
from tests.care_plans.fixtures import (
    NEEDS,
    add_item,
    build_district,
    catalog_item,
    form_of,
    in_days,
    move,
    post_on,
    record_intake,
    start_plan,
)


@pytest.fixture(scope="module")
def records(app):
    """District A with one intake and one plan; district B with more, so B's ids are unused
    on A."""
    a, b = build_district(app, "cura-accesso-a"), build_district(app, "cura-accesso-b")
    intake_id, plan_id = record_intake(a), start_plan(a)
    add_item(a, plan_id, **catalog_item(a, "sad"))
    b_ids = {"intakes": [record_intake(b) for _ in range(3)], "plans": []}
    for _ in range(3):
        b_plan = start_plan(b)
        add_item(b, b_plan, **catalog_item(b, "sad"))
        b_ids["plans"].append(b_plan)
    with app.app_context(), tenant_context(a.slug):
        item_id = db.session.scalar(sa.select(PlanItem.id).where(PlanItem.plan_id == plan_id))
    return a, b, {"intake": intake_id, "plan": plan_id, "item": item_id}, b_ids


def staff_pages(citizen: int, intake: int, plan: int) -> list[str]:
    return [
        "/admin/piani",
        "/admin/piani?q=Maria",
        f"/admin/piani/persone/{citizen}",
        f"/admin/piani/persone/{citizen}/colloqui/nuovo",
        f"/admin/piani/colloqui/{intake}",
        f"/admin/piani/persone/{citizen}/piani/nuovo",
        f"/admin/piani/{plan}",
        f"/admin/piani/{plan}/pdf",
    ]


def staff_forms(citizen: int, intake: int, plan: int, item: int) -> list[tuple[str, dict]]:
    plan_data = {"review_on": in_days(30).isoformat(), "goals": "Rubato", "notes": "Rubato"}
    return [
        (f"/admin/piani/persone/{citizen}/colloqui/nuovo", {**NEEDS, "held_on": "2025-01-01"}),
        (f"/admin/piani/colloqui/{intake}", {**NEEDS, "held_on": "2025-01-01", "notes": "X"}),
        (f"/admin/piani/persone/{citizen}/piani/nuovo", plan_data),
        (f"/admin/piani/{plan}", plan_data),
        (f"/admin/piani/{plan}/servizi", {"service_id": "1", "frequency": "x", "cost": "1"}),
        (f"/admin/piani/{plan}/servizi/{item}/rimuovi", {}),
        (f"/admin/piani/{plan}/stato", {"status": "condiviso"}),
        (f"/admin/piani/{plan}/richieste", {}),
    ]


def _state(district) -> tuple:
    """Every intake, plan, item and audit row of the district, decrypted."""
    with district.app.app_context(), tenant_context(district.slug):
        intakes = [
            (i.id, i.held_on, i.needs, i.notes) for i in db.session.scalars(sa.select(Intake))
        ]
        plans = [
            (p.id, p.status, p.goals, p.notes, p.review_on)
            for p in db.session.scalars(sa.select(CarePlan))
        ]
        items = db.session.execute(sa.select(PlanItem.id, PlanItem.request_id)).all()
        audit = db.session.scalar(sa.select(sa.func.count()).select_from(AccessAudit))
        return intakes, plans, items, audit


@pytest.mark.parametrize("role", ["cooperative_staff", "comune_staff", "citizen"])
def test_only_operators_and_the_district_admin_reach_intakes_and_plans(records, role):
    a, _b, ids, _ = records
    citizen = a.ids["citizen"]
    client = a.client(role)
    before = _state(a)
    for path in staff_pages(citizen, ids["intake"], ids["plan"]):
        response = client.get(path)
        assert response.status_code in (403, 404), (role, path, response.status_code)
        assert "Diabete" not in response.text and "Maria Bianchi" not in response.text
    token = form_of(client.get("/account").text, "/account")
    for path, data in staff_forms(citizen, ids["intake"], ids["plan"], ids["item"]):
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code in (403, 404), (role, path, response.status_code)
    assert _state(a) == before


@pytest.mark.parametrize("role", ["operator", "admin"])
def test_operators_and_the_district_admin_open_every_page(records, role):
    a, _b, ids, _ = records
    client = a.client(role)
    for path in staff_pages(a.ids["citizen"], ids["intake"], ids["plan"]):
        assert client.get(path).status_code == 200, (role, path)


def test_another_districts_ids_are_not_found_and_show_nothing(records):
    a, b, ids, b_ids = records
    operator = a.client("operator")
    assert max(b_ids["intakes"]) > ids["intake"] and max(b_ids["plans"]) > ids["plan"]
    intake, plan = max(b_ids["intakes"]), max(b_ids["plans"])
    for path in (
        f"/admin/piani/colloqui/{intake}",
        f"/admin/piani/{plan}",
        f"/admin/piani/{plan}/pdf",
        f"/admin/piani/persone/{b.ids['citizen'] + 100}",
        "/admin/piani/colloqui/99999999999999999999",
        "/admin/piani/99999999999999999999",
        "/admin/piani/persone/99999999999999999999",
        "/admin/piani/persone/99999999999999999999/piani/nuovo",
    ):
        response = operator.get(path)
        assert response.status_code == 404, path
        assert "Diabete" not in response.text
    token = form_of(operator.get("/account").text, "/account")
    before = _state(a), _state(b)
    for path, data in staff_forms(b.ids["citizen"] + 100, intake, plan, 999):
        if "/persone/" in path:
            continue  # A's citizen ids are A's own
        response = operator.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 404, path
    assert (_state(a), _state(b)) == before


def test_a_session_of_one_district_is_a_guest_on_another(records, host_client):
    a, b, _ids, b_ids = records
    cookie = a.client("operator").cookie()
    other = host_client(b.host, b.app)
    for path in (
        f"/admin/piani/colloqui/{b_ids['intakes'][0]}",
        f"/admin/piani/{b_ids['plans'][0]}",
    ):
        response = other.get(path, headers={"Cookie": f"session={cookie}"})
        assert response.status_code == 302 and response.headers["Location"].startswith("/accedi")


def test_a_citizen_sees_only_their_own_plans_and_records(records):
    a, _b, ids, _ = records
    move(a, ids["plan"], "condiviso")
    mine = a.client("citizen")
    listing = mine.get("/il-mio-piano")
    assert f"/il-mio-piano/{ids['plan']}" in listing.text
    page = mine.get(f"/il-mio-piano/{ids['plan']}")
    assert page.status_code == 200 and "Assistenza domiciliare per anziani" in page.text
    assert "Uscire di casa due volte a settimana" in page.text
    records_page = mine.get("/i-miei-dati-sociali")
    assert "Diabete, difficoltà a camminare" in records_page.text
    assert "Olga Operatrice" in records_page.text and "ha consultato" in records_page.text
    assert a.people["operator"] not in records_page.text  # staff names, not their addresses

    other = a.client("other_citizen")
    assert f"/il-mio-piano/{ids['plan']}" not in other.get("/il-mio-piano").text
    assert other.get(f"/il-mio-piano/{ids['plan']}").status_code == 404
    assert other.get("/il-mio-piano/99999999999999999999").status_code == 404
    theirs = other.get("/i-miei-dati-sociali")
    assert "Diabete" not in theirs.text and "Nessun colloquio registrato." in theirs.text
    guest = a.client()
    assert guest.get("/il-mio-piano").status_code == 302
    assert guest.get(f"/il-mio-piano/{ids['plan']}/pdf").status_code == 302


def test_the_citizens_own_reads_are_not_audited(records):
    a, _b, ids, _ = records
    before = _state(a)[3]
    citizen = a.client("citizen")
    for path in ("/il-mio-piano", f"/il-mio-piano/{ids['plan']}", "/i-miei-dati-sociali"):
        assert citizen.get(path).status_code == 200
    assert _state(a)[3] == before


def test_a_suspended_districts_records_stay_closed(app):
    """Reading must leave an audit row, and a suspended district's database takes no writes."""
    from condiviso.tenancy import lifecycle
    from tests.districts import ACTOR

    district = build_district(app, "cura-sospeso")
    intake_id, plan_id = record_intake(district), start_plan(district)
    operator = district.client("operator")
    before = _state(district)
    with app.app_context():
        lifecycle.suspend_tenant(district.slug, ACTOR, "prova")
    try:
        for path in (
            f"/admin/piani/colloqui/{intake_id}",
            f"/admin/piani/{plan_id}",
            f"/admin/piani/{plan_id}/pdf",
            f"/admin/piani/persone/{district.ids['citizen']}",
        ):
            response = operator.get(path)
            assert response.status_code == 503, path
            assert "Diabete" not in response.text
        assert _state(district) == before
    finally:
        with app.app_context():
            lifecycle.resume_tenant(district.slug, ACTOR)
    assert operator.get(f"/admin/piani/colloqui/{intake_id}").status_code == 200


def test_a_new_activation_code_for_a_citizen_registered_online_is_never_silent(mail_app, smtp):
    """A desk code can set a new password: the person is told by e-mail (without the code) and
    sees it among what staff did with their data."""
    district = build_district(mail_app, "cura-codice")
    citizen_id, email = district.ids["citizen"], district.people["citizen"]
    desk = district.client("operator")
    sheet = desk.get(f"/operatore/cittadini/{citizen_id}/benvenuto")
    assert sheet.status_code == 200
    renewed = post_on(
        desk,
        f"/operatore/cittadini/{citizen_id}/benvenuto",
        f"/operatore/cittadini/{citizen_id}/nuovo-codice",
        {},
    )
    code = re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4})", desk.get(renewed.headers["Location"]).text)
    assert code is not None

    message = smtp.last_to(email)
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert message["Subject"] == "Un nuovo codice di attivazione per il tuo account"
    assert "Olga Operatrice" in body and "/password-dimenticata" in body
    assert code.group(1) not in body and code.group(1).replace("-", "") not in body

    records = district.client("citizen").get("/i-miei-dati-sociali").text
    assert "Olga Operatrice ha registrato un nuovo codice di attivazione per il tuo account" in (
        " ".join(records.split())
    )

    # The person did not ask for it: a new password from the e-mail's link kills the code.
    reset = district.client()
    post_form(reset, "/password-dimenticata", {"email": email})
    link = re.search(r"https?://\S+/reimposta-password/\S+", smtp.last_to(email).get_content())
    path = "/" + link.group(0).split("/", 3)[3]
    assert (
        post_form(
            reset,
            path,
            {"password": "la mia frase nuova", "password_confirm": "la mia frase nuova"},
        ).status_code
        == 302
    )
    stolen = post_form(
        district.client(),
        "/attiva",
        {
            "username": email,
            "code": code.group(1),
            "password": "la frase di chi ruba",
            "password_confirm": "la frase di chi ruba",
        },
    )
    assert stolen.status_code == 400
