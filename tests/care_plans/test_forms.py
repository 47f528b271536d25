"""The care-plan forms' rules not covered by the pages' bad-input lists: a plan's own past review
date may stay, fields left out, costs written with a dot, what a page shows again after a
refusal, and the catalog checked again by the service when an item is added."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.care_plans.models import CarePlan, Funding, Intake, Level, PlanItem
from tests.care_plans.fixtures import (
    NEEDS,
    add_item,
    build_district,
    catalog_item,
    in_days,
    move,
    post_on,
    start_plan,
)


@pytest.fixture(scope="module")
def district(app):
    return build_district(app, "cura-moduli")


def _review_on(district, plan_id: int):
    with district.app.app_context(), tenant_context(district.slug):
        return db.session.get(CarePlan, plan_id).review_on


def _overdue_plan(district, operator, days_ago: int) -> int:
    """A plan whose review date went by `days_ago` days ago."""
    plan_id = start_plan(district, operator)
    with district.app.app_context(), tenant_context(district.slug):
        db.session.get(CarePlan, plan_id).review_on = in_days(-days_ago)
        db.session.commit()
    return plan_id


def test_a_plans_own_past_review_date_may_stay_but_no_other_past_date(district):
    operator = district.client("operator")
    plan_id = _overdue_plan(district, operator, 5)
    path = f"/admin/piani/{plan_id}"
    page = operator.get(path)
    assert f'value="{in_days(-5).isoformat()}"' in page.text

    later_but_past = post_on(operator, path, path, {"review_on": in_days(-2).isoformat()})
    assert later_but_past.status_code == 400
    assert "La data di revisione non può essere passata." in later_but_past.text
    earlier = post_on(operator, path, path, {"review_on": in_days(-6).isoformat()})
    assert earlier.status_code == 400 and "La data deve essere tra" in earlier.text
    assert _review_on(district, plan_id) == in_days(-5)

    kept = post_on(operator, path, path, {"review_on": in_days(-5).isoformat(), "goals": "Uscire"})
    assert kept.status_code == 302 and _review_on(district, plan_id) == in_days(-5)
    moved = post_on(operator, path, path, {"review_on": in_days(0).isoformat()})
    assert moved.status_code == 302 and _review_on(district, plan_id) == in_days(0)


def test_pages_opened_afresh_hold_their_starting_values(district):
    operator = district.client("operator")
    citizen = district.ids["citizen"]
    intake = operator.get(f"/admin/piani/persone/{citizen}/colloqui/nuovo")
    assert f'value="{in_days(0).isoformat()}"' in intake.text
    plan = operator.get(f"/admin/piani/persone/{citizen}/piani/nuovo")
    assert f'value="{in_days(90).isoformat()}"' in plan.text
    plan_id = start_plan(district, operator)
    page = operator.get(f"/admin/piani/{plan_id}")
    assert '<option value="comune" selected>' in page.text
    assert '<option value="" selected>Nessuno: servizio scritto a mano</option>' in page.text
    assert "Avere aiuto per la spesa" in page.text  # the plan's goals in its form


def test_a_refused_item_is_shown_again_beside_the_plan_as_it_is(district):
    operator = district.client("operator")
    plan_id = start_plan(district, operator)
    refused = add_item(
        district, plan_id, operator, **catalog_item(district, "sad", cost="-3", funding="voucher")
    )
    assert refused.status_code == 400 and 'id="cost-error"' in refused.text
    assert 'value="-3"' in refused.text and '<option value="voucher" selected>' in refused.text
    chosen = f'<option value="{district.services["sad"]}" selected>'
    assert chosen in refused.text
    # The plan's own form, not the one sent, still holds the plan.
    assert f'value="{in_days(60).isoformat()}"' in refused.text
    assert "Avere aiuto per la spesa" in refused.text
    assert 'id="review_on-error"' not in refused.text


def test_fields_left_out_of_an_item(district):
    operator = district.client("operator")
    plan_id = start_plan(district, operator)
    by_hand = {"title": "Pulizie", "provider_name": "Impresa", "frequency": "x", "cost": "1"}
    no_funding = add_item(district, plan_id, operator, **by_hand)
    assert no_funding.status_code == 400 and "Scegli chi paga" in no_funding.text
    assert 'id="service_id-error"' not in no_funding.text
    assert add_item(district, plan_id, operator, **by_hand, funding="comune").status_code == 302
    with district.app.app_context(), tenant_context(district.slug):
        item = db.session.scalar(sa.select(PlanItem).where(PlanItem.plan_id == plan_id))
        assert (item.service_id, item.title, item.provider_name) == (None, "Pulizie", "Impresa")


@pytest.mark.parametrize(
    ("written", "stored"),
    [("12.50", "12.50"), ("12,5", "12.50"), (" 7 ", "7.00"), ("99999,99", "99999.99")],
)
def test_costs_in_euro_with_a_comma_or_a_dot(district, written, stored):
    operator = district.client("operator")
    plan_id = start_plan(district, operator)
    added = add_item(district, plan_id, operator, **catalog_item(district, "sad", cost=written))
    assert added.status_code == 302
    with district.app.app_context(), tenant_context(district.slug):
        cost = db.session.scalar(sa.select(PlanItem.cost).where(PlanItem.plan_id == plan_id))
    assert cost == Decimal(stored)


def test_a_catalog_item_takes_the_services_title_and_provider(district):
    operator = district.client("operator")
    plan_id = start_plan(district, operator)
    data = catalog_item(district, "sad", title="Altro titolo", provider_name="Altro")
    assert add_item(district, plan_id, operator, **data).status_code == 302
    with district.app.app_context(), tenant_context(district.slug):
        item = db.session.scalar(sa.select(PlanItem).where(PlanItem.plan_id == plan_id))
        assert (item.title, item.provider_name) == (
            "Assistenza domiciliare per anziani",
            "Il Girasole (esempio)",
        )


def test_levels_left_out_or_blank_are_not_assessed(district):
    operator = district.client("operator")
    page = f"/admin/piani/persone/{district.ids['citizen']}/colloqui/nuovo"
    data = {k: v for k, v in NEEDS.items() if k != "level_salute"}
    sent = post_on(operator, page, page, {**data, "held_on": in_days(0).isoformat()})
    assert sent.status_code == 302
    intake_id = int(sent.headers["Location"].rsplit("/", 1)[1])
    edited = post_on(
        operator,
        f"/admin/piani/colloqui/{intake_id}",
        f"/admin/piani/colloqui/{intake_id}",
        {**data, "held_on": in_days(0).isoformat(), "level_casa": ""},
    )
    assert edited.status_code == 302
    with district.app.app_context(), tenant_context(district.slug):
        levels = {n.area.value: n.level for n in db.session.get(Intake, intake_id).need_list}
    assert levels["salute"] is Level.NOT_ASSESSED and levels["casa"] is Level.NOT_ASSESSED
    assert levels["famiglia"] is Level.MEDIUM


def test_a_status_left_out_is_unknown(district):
    operator = district.client("operator")
    plan_id = start_plan(district, operator)
    path = f"/admin/piani/{plan_id}"
    refused = post_on(operator, path, f"{path}/stato", {})
    assert refused.status_code == 400 and "Stato sconosciuto." in refused.text
    assert move(district, plan_id, "condiviso", operator).status_code == 302


def test_the_service_refuses_an_item_whose_service_left_the_catalog(district):
    """The page offers what the catalog held when it was drawn; the service checks again."""
    from condiviso.accounts.models import User
    from condiviso.errors import InvalidInput
    from plugins.care_plans import services
    from plugins.care_plans.forms import ItemInput
    from plugins.catalog.models import Service
    from plugins.catalog.services import set_status

    operator = district.client("operator")
    plan_id = start_plan(district, operator)
    service_id = district.services["babysitter"]
    with district.app.test_request_context(), tenant_context(district.slug):
        set_status(db.session.get(Service, service_id), "unpublished", None)
        db.session.commit()
        staff = db.session.get(User, district.ids["operator"])
        plan = db.session.get(CarePlan, plan_id)
        gone = ItemInput(service_id, None, None, "ogni giorno", Decimal("1.00"), Funding.COMUNE)
        with pytest.raises(InvalidInput) as refused:
            services.add_item(staff, plan, gone)
        assert refused.value.errors == {
            "service_id": ["Scegli un servizio del catalogo dall'elenco."]
        }
        db.session.rollback()
        assert db.session.scalar(sa.select(PlanItem).where(PlanItem.plan_id == plan_id)) is None
    page = operator.get(f"/admin/piani/{plan_id}")
    assert not re.search(rf'<option value="{service_id}"', page.text)


@pytest.mark.parametrize("chosen", ["\u00b2", "\u0663", " 1 2 ", "1.0"])
def test_a_service_id_that_is_no_option_is_refused(district, chosen):
    """A superscript two is a digit to `str.isdigit`, not to `int`: refused, never a 500."""
    operator = district.client("operator")
    plan_id = start_plan(district, operator)
    refused = add_item(
        district, plan_id, operator, **catalog_item(district, "sad", service_id=chosen)
    )
    assert refused.status_code == 400 and 'id="service_id-error"' in refused.text
    with district.app.app_context(), tenant_context(district.slug):
        assert db.session.scalar(sa.select(PlanItem).where(PlanItem.plan_id == plan_id)) is None
