"""Care plans: services of every provider type and from outside the catalog, bad input refused
with nothing saved, status moves only along the allowed transitions, requests made in one click
(idempotent, real requests in the desks' inbox), the PDF, every staff read and change audited."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from condiviso.audit.models import AccessAudit
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.care_plans.models import CarePlan, PlanItem
from plugins.requests.models import Request, RequestEvent
from tests.care_plans.fixtures import (
    add_item,
    build_district,
    catalog_item,
    in_days,
    move,
    post_on,
    start_plan,
)
from tests.clients import csrf_token


@pytest.fixture(scope="module")
def district(app):
    return build_district(app, "cura-piani")


def _items(district, plan_id: int) -> list[tuple]:
    with district.app.app_context(), tenant_context(district.slug):
        return list(
            db.session.execute(
                sa.select(
                    PlanItem.title,
                    PlanItem.provider_name,
                    PlanItem.cost,
                    PlanItem.funding,
                    PlanItem.service_id,
                    PlanItem.request_id,
                )
                .where(PlanItem.plan_id == plan_id)
                .order_by(PlanItem.id)
            ).all()
        )


def _plan(district, plan_id: int) -> dict:
    with district.app.app_context(), tenant_context(district.slug):
        plan = db.session.get(CarePlan, plan_id)
        return {
            "status": plan.status,
            "review_on": plan.review_on,
            "goals": plan.goals,
            "notes": plan.notes,
        }


def _requests_of(district, citizen_id: int) -> list[tuple]:
    with district.app.app_context(), tenant_context(district.slug):
        return list(
            db.session.execute(
                sa.select(Request.id, Request.service_id, Request.cooperative_id, Request.comune_id)
                .where(Request.requester_user_id == citizen_id)
                .order_by(Request.id)
            ).all()
        )


def _audit(district, plan_id: int) -> list[tuple]:
    with district.app.app_context(), tenant_context(district.slug):
        return list(
            db.session.execute(
                sa.select(
                    AccessAudit.action,
                    AccessAudit.actor_user_id,
                    AccessAudit.subject_user_id,
                    AccessAudit.reason,
                )
                .where(
                    AccessAudit.record_type == "care_plans.plan",
                    AccessAudit.record_id == str(plan_id),
                )
                .order_by(AccessAudit.id)
            ).all()
        )


def test_operator_builds_a_plan_mixing_every_kind_of_provider(district):
    operator = district.client("operator")
    plan_id = start_plan(district, operator)
    for slug, funding in (
        ("sad", "voucher"),  # accredited
        ("babysitter", "cittadino"),  # private
        ("trasporto", "comune"),  # public
    ):
        assert (
            add_item(
                district, plan_id, operator, **catalog_item(district, slug, funding=funding)
            ).status_code
            == 302
        )
    free = {
        "service_id": "",
        "title": "Badante per la notte",
        "provider_name": "Anna, badante privata",
        "frequency": "ogni notte",
        "cost": "0",
        "funding": "credito_aziendale",
    }
    assert add_item(district, plan_id, operator, **free).status_code == 302
    items = _items(district, plan_id)
    assert [i[0] for i in items] == [
        "Assistenza domiciliare per anziani",
        "Rete di baby-sitter di quartiere",
        "Trasporto per persone con disabilità",
        "Badante per la notte",
    ]
    assert items[0][1] == "Il Girasole (esempio)" and items[2][1] == "Comune di Tradate"
    assert items[3][1:5] == ("Anna, badante privata", Decimal("0.00"), "credito_aziendale", None)
    assert items[0][2] == Decimal("12.50")
    page = operator.get(f"/admin/piani/{plan_id}")
    assert "Badante per la notte" in page.text and "37,50" in page.text  # the total

    actions = _audit(district, plan_id)
    assert actions[0][:3] == ("create", district.ids["operator"], district.ids["citizen"])
    assert sum(1 for a in actions if a[0] == "update" and "added" in (a[3] or "")) == 4
    assert any(a[0] == "read" for a in actions)
    assert {a[1] for a in actions} == {district.ids["operator"]}
    assert {a[2] for a in actions} == {district.ids["citizen"]}


BAD_ITEMS = [
    ({"cost": "-1"}, "cost", "Indica il costo in euro"),
    ({"cost": "dodici"}, "cost", "Indica il costo in euro"),
    ({"cost": "NaN"}, "cost", "Indica il costo in euro"),
    ({"cost": "1,005"}, "cost", "Indica il costo in euro"),
    ({"cost": "100000"}, "cost", "Indica il costo in euro"),
    ({"cost": ""}, "cost", "Indica il costo in euro"),
    ({"funding": "regione"}, "funding", "Scegli chi paga"),
    ({"service_id": "999999"}, "service_id", "Scegli un servizio del catalogo"),
    ({"service_id": "-1"}, "service_id", "Scegli un servizio del catalogo"),
    ({"frequency": ""}, "frequency", "Campo obbligatorio"),
    ({"frequency": "x" * 101}, "frequency", "Al massimo 100 caratteri"),
    ({"frequency": "ogni\x00giorno"}, "frequency", "senza caratteri di controllo"),
    ({"service_id": "", "title": "", "provider_name": "Tizio"}, "title", "Scegli un servizio"),
    ({"service_id": "", "title": "Pulizie", "provider_name": ""}, "provider_name", "Scrivi chi"),
    ({"service_id": "", "title": "P\x1bulizie", "provider_name": "x"}, "title", "controllo"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_ITEMS)
def test_bad_items_are_refused_and_nothing_is_saved(district, changes, field, message):
    operator = district.client("operator")
    plan_id = start_plan(district, operator)
    response = add_item(district, plan_id, operator, **catalog_item(district, "sad", **changes))
    assert response.status_code == 400
    assert message in response.text and f'id="{field}-error"' in response.text
    assert _items(district, plan_id) == []


BAD_PLANS = [
    ({"review_on": in_days(-1).isoformat()}, "review_on", "La data deve essere tra"),
    ({"review_on": "2026-13-01"}, "review_on", "Data non valida"),
    ({"review_on": in_days(4000).isoformat()}, "review_on", "La data deve essere tra"),
    ({"goals": "\n".join(f"obiettivo {n}" for n in range(21))}, "goals", "Al massimo 20"),
    ({"goals": "y" * 301}, "goals", "Al massimo 20 obiettivi, di 300"),
    ({"notes": "n" * 5001}, "notes", "Al massimo 5000 caratteri"),
    ({"notes": "ciao\x08"}, "notes", "senza caratteri di controllo"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_PLANS)
def test_bad_plans_are_refused_and_nothing_is_saved(district, changes, field, message):
    operator = district.client("operator")
    plan_id = start_plan(district, operator)
    before = _plan(district, plan_id)
    path = f"/admin/piani/{plan_id}"
    response = post_on(
        operator, path, path, {"review_on": in_days(30).isoformat(), "goals": "", **changes}
    )
    assert response.status_code == 400
    assert message in response.text and f'id="{field}-error"' in response.text
    assert _plan(district, plan_id) == before
    new = f"/admin/piani/persone/{district.ids['citizen']}/piani/nuovo"
    with district.app.app_context(), tenant_context(district.slug):
        count = db.session.scalar(sa.select(sa.func.count()).select_from(CarePlan))
    assert (
        post_on(operator, new, new, {"review_on": in_days(30).isoformat(), **changes}).status_code
        == 400
    )
    with district.app.app_context(), tenant_context(district.slug):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CarePlan)) == count


def test_status_moves_only_along_the_allowed_transitions(district):
    operator = district.client("operator")
    plan_id = start_plan(district, operator)
    assert move(district, plan_id, "attivo", operator).status_code == 409
    assert move(district, plan_id, "concluso", operator).status_code == 409
    assert move(district, plan_id, "archiviato", operator).status_code == 400
    assert _plan(district, plan_id)["status"] == "bozza"
    for status in ("condiviso", "bozza", "condiviso", "attivo"):
        assert move(district, plan_id, status, operator).status_code == 302
        assert _plan(district, plan_id)["status"] == status
    refused = move(district, plan_id, "bozza", operator)
    assert refused.status_code == 409 and "non può passare a" in refused.text
    adding = add_item(district, plan_id, operator, **catalog_item(district, "sad"))
    assert adding.status_code == 409 and _items(district, plan_id) == []
    assert move(district, plan_id, "concluso", operator).status_code == 302
    for status in ("bozza", "condiviso", "attivo"):
        assert move(district, plan_id, status, operator).status_code == 409
    path = f"/admin/piani/{plan_id}"
    closed = post_on(operator, path, path, {"review_on": in_days(90).isoformat()})
    assert closed.status_code == 409 and _plan(district, plan_id)["status"] == "concluso"
    reasons = [a[3] for a in _audit(district, plan_id) if a[0] == "update"]
    assert reasons == [
        "status condiviso",
        "status bozza",
        "status condiviso",
        "status attivo",
        "status concluso",
    ]


def test_requests_in_one_click_are_real_and_made_once(district):
    from condiviso.tenancy import registry
    from plugins.catalog.models import Service
    from plugins.catalog.services import set_status

    operator = district.client("operator")
    citizen_id = district.ids["citizen"]
    plan_id = start_plan(district, operator)
    for slug in ("sad", "trasporto", "caffe"):
        add_item(district, plan_id, operator, **catalog_item(district, slug))
    add_item(
        district,
        plan_id,
        operator,
        service_id="",
        title="Pulizie",
        provider_name="Impresa privata",
        frequency="1 volta al mese",
        cost="40",
        funding="cittadino",
    )
    before = _requests_of(district, citizen_id)
    path = f"/admin/piani/{plan_id}"
    early = post_on(operator, path, f"{path}/richieste", {})
    assert early.status_code == 409 and "condividi il piano" in early.text
    assert _requests_of(district, citizen_id) == before

    with district.app.app_context(), tenant_context(district.slug):
        set_status(db.session.get(Service, district.services["caffe"]), "unpublished", None)
        db.session.commit()
    assert move(district, plan_id, "condiviso", operator).status_code == 302
    made = post_on(operator, path, f"{path}/richieste", {})
    assert made.status_code == 302
    page = operator.get(path)
    assert "Richieste create: 2" in page.text and "non è più nel catalogo" in page.text
    new = _requests_of(district, citizen_id)[len(before) :]
    assert sorted(r[1] for r in new) == sorted(
        [district.services["sad"], district.services["trasporto"]]
    )
    linked = {i[4]: i[5] for i in _items(district, plan_id) if i[4] is not None}
    assert {linked[r[1]] for r in new} == {r[0] for r in new}
    assert linked[district.services["caffe"]] is None

    again = post_on(operator, path, f"{path}/richieste", {})
    assert again.status_code == 302
    assert "Nessuna nuova richiesta" in operator.get(path).text
    assert _requests_of(district, citizen_id)[len(before) :] == new

    sad_request = next(r for r in new if r[1] == district.services["sad"])
    desk = district.client("cooperative_staff")
    inbox = desk.get("/admin/richieste")
    assert f"R-{sad_request[0]:06d}" in inbox.text
    desk_page = desk.get(f"/admin/richieste/{sad_request[0]}")
    assert desk_page.status_code == 200 and "Maria Bianchi" in desk_page.text
    assert "inserita da Olga Operatrice" in desk_page.text
    assert f"R-{sad_request[0]:06d}" in district.client("citizen").get("/le-mie-richieste").text
    with district.app.app_context(), tenant_context(district.slug):
        event = db.session.scalar(
            sa.select(RequestEvent).where(RequestEvent.request_id == sad_request[0])
        )
        assert event.actor_label.startswith("Olga Operatrice <")
    assert any(
        a[0] == "update" and f"request {sad_request[0]}" in a[3] for a in _audit(district, plan_id)
    )
    with district.app.app_context():
        registry.tenant_info(district.slug)  # the registry is untouched by the plan


def test_a_guest_cannot_squat_the_requests_of_future_care_plan_items(district):
    """Care-plan items once used tokens anyone could predict (`care-plans-item-<id>`): a guest
    sending the public form with the next items' tokens must not become their request."""
    operator = district.client("operator")
    plan_id = start_plan(district, operator)
    with district.app.app_context(), tenant_context(district.slug):
        next_item = (db.session.scalar(sa.select(sa.func.max(PlanItem.id))) or 0) + 1
    guest = district.client()
    squatted = []
    for item_id in range(next_item, next_item + 3):
        page = guest.get("/servizi/trasporto/richiedi")
        sent = guest.post(
            "/servizi/trasporto/richiedi",
            data={
                "csrf_token": csrf_token(page.text),
                "submission": f"care-plans-item-{item_id}",
                "message": "Squatter",
                "guest_name": "Chi Si Spaccia",
                "guest_phone": "+39 0331 999999",
                "privacy": "y",
            },
        )
        assert sent.status_code == 302
        squatted.append(int(sent.headers["Location"].split("/")[3]))
    add_item(district, plan_id, operator, **catalog_item(district, "sad"))
    assert move(district, plan_id, "condiviso", operator).status_code == 302
    path = f"/admin/piani/{plan_id}"
    assert post_on(operator, path, f"{path}/richieste", {}).status_code == 302

    (item,) = [i for i in _items(district, plan_id) if i[4] is not None]
    with district.app.app_context(), tenant_context(district.slug):
        made = db.session.get(Request, item[5])
        assert made.id not in squatted
        assert made.requester_user_id == district.ids["citizen"]
        assert made.service_id == district.services["sad"]
        assert made.guest_name is None
        # And what the guest got stays the guest's: no plan's item points at it.
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(PlanItem)
                .where(PlanItem.request_id.in_(squatted))
            )
            == 0
        )
    # Walking the ids with the guest's own link shows nothing of the plan's request.
    own = guest.get(f"/richieste/inviata/{squatted[0]}/x").status_code
    walked = guest.get(f"/richieste/inviata/{item[5]}/{'0' * 64}").status_code
    assert (own, walked) == (404, 404)


def test_an_item_with_a_request_stays_and_others_can_be_removed(district):
    operator = district.client("operator")
    plan_id = start_plan(district, operator)
    add_item(district, plan_id, operator, **catalog_item(district, "trasporto"))
    free = {"service_id": "", "title": "Spesa a domicilio", "provider_name": "Vicina di casa"}
    add_item(district, plan_id, operator, **catalog_item(district, "sad", **free))
    move(district, plan_id, "condiviso", operator)
    path = f"/admin/piani/{plan_id}"
    with district.app.app_context(), tenant_context(district.slug):
        first, second = db.session.scalars(
            sa.select(PlanItem.id).where(PlanItem.plan_id == plan_id).order_by(PlanItem.id)
        ).all()
    post_on(operator, path, f"{path}/richieste", {})
    kept = post_on(operator, path, f"{path}/servizi/{first}/rimuovi", {})
    assert kept.status_code == 409 and len(_items(district, plan_id)) == 2
    assert post_on(operator, path, f"{path}/servizi/{second}/rimuovi", {}).status_code == 302
    assert [i[0] for i in _items(district, plan_id)] == ["Trasporto per persone con disabilità"]
    assert post_on(operator, path, f"{path}/servizi/{second}/rimuovi", {}).status_code == 404


def _pdf_text(body: bytes) -> str:
    assert body.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(body)).pages)


def test_the_plan_as_a_pdf_for_staff_and_for_the_citizen(district):
    operator = district.client("operator")
    plan_id = start_plan(district, operator)
    add_item(
        district,
        plan_id,
        operator,
        **catalog_item(district, "sad", frequency="3 volte a settimana"),
    )
    response = operator.get(f"/admin/piani/{plan_id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    text = " ".join(_pdf_text(response.data).split())
    for expected in (
        "Il piano personalizzato di Maria Bianchi",
        "Assistenza domiciliare per anziani",
        "Il Girasole (esempio)",
        "3 volte a settimana",
        "12,50",
        "Uscire di casa due volte a settimana",
        "Rivedremo insieme il piano entro il",
        "Chi paga: Comune",
    ):
        assert expected in text, expected
    assert _audit(district, plan_id)[-1][:4] == (
        "read",
        district.ids["operator"],
        district.ids["citizen"],
        "pdf",
    )

    citizen = district.client("citizen")
    own = citizen.get(f"/il-mio-piano/{plan_id}/pdf")
    assert own.status_code == 200 and "Assistenza domiciliare" in _pdf_text(own.data)
    other = district.client("other_citizen")
    assert other.get(f"/il-mio-piano/{plan_id}/pdf").status_code == 404
    assert other.get(f"/il-mio-piano/{plan_id}").status_code == 404
