"""A district with the care-plans network of `tests.care_plans.fixtures`, the wallet and the
vouchers enabled, staff of two comuni and two cooperatives, a fund, and helpers that issue
vouchers and record deliveries through the real services."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask

from condiviso.accounts.models import User
from condiviso.clock import today
from condiviso.extensions import db
from condiviso.plugins import enablement
from condiviso.tenancy import tenant_context
from condiviso.territory.models import Comune
from plugins.cooperatives.models import Category, Cooperative
from plugins.vouchers import budgets, issuing, redeeming
from plugins.vouchers.models import BudgetLine, Fund
from plugins.wallet.checking import problems
from tests.care_plans.fixtures import District, build_district
from tests.districts import ACTOR

TRADATE, CASTELSEPRIO = "012127", "012044"


def build_vouchers_district(app: Flask, slug: str) -> District:
    """The care-plans district with the wallet and the vouchers, and besides its people:
    staff of Castelseprio (`other_comune_staff`) and of La Quercia (`other_cooperative_staff`),
    and a fund (`district.ids["fund"]`)."""
    district = build_district(app, slug)
    with app.app_context():
        enablement.set_plugin(slug, "wallet", ACTOR, True, {})
        enablement.set_plugin(slug, "vouchers", ACTOR, True, {})
        with tenant_context(slug):
            comuni = dict(db.session.execute(sa.select(Comune.istat_code, Comune.id)).all())
            quercia = db.session.scalar(
                sa.select(Cooperative.id).where(Cooperative.slug == "scaduta")
            )
            girasole = db.session.scalar(
                sa.select(Cooperative.id).where(Cooperative.slug == "girasole")
            )
            fund = Fund(name="Fondo Non Autosufficienza (esempio)")
            db.session.add(fund)
            db.session.commit()
            district.ids.update(
                fund=fund.id,
                tradate=comuni[TRADATE],
                castelseprio=comuni[CASTELSEPRIO],
                girasole=girasole,
                quercia=quercia,
                anziani=db.session.scalar(sa.select(Category.id).where(Category.slug == "anziani")),
            )
    district.add_person(
        "other_comune_staff", "comune_staff", comune_ids=[district.ids["castelseprio"]]
    )
    district.add_person("other_cooperative_staff", "cooperative_staff", cooperative_id=quercia)
    return district


@contextmanager
def as_person(district: District, who: str) -> Iterator[User]:
    """The district bound, and `who` loaded, for calling the services as that person."""
    with district.app.app_context(), tenant_context(district.slug):
        yield db.session.get(User, district.ids[who])


def today_of(district: District) -> date:
    """Today in the district's time zone, as its pages see it."""
    with district.app.app_context():
        return today()


def key() -> str:
    return f"test:{secrets.token_hex(8)}"


def make_line(
    district: District,
    cents: int = 1_000_000,
    who: str = "comune_staff",
    comune: str = "tradate",
    year: int | None = None,
) -> int:
    """A budget line of a comune (or of the district, `comune=None`) on a fund of its own, its
    id."""
    with as_person(district, who) as person:
        fund = Fund(name=f"Misura regionale di prova {secrets.token_hex(4)} (esempio)")
        db.session.add(fund)
        db.session.flush()
        line = budgets.create_line(
            person,
            district.ids[comune] if comune else None,
            year or today().year,
            fund.id,
            cents,
            "Stanziamento di prova",
            key(),
        )
        db.session.commit()
        return line.id


def voucher_input(district: District, line_id: int, **changes) -> issuing.VoucherInput:
    values = {
        "line_id": line_id,
        "beneficiary_id": district.ids["citizen"],
        "category_ids": (district.ids["anziani"],),
        "service_ids": (),
        "valid_from": today_of(district) - timedelta(days=10),
        "valid_to": today_of(district) + timedelta(days=90),
        "value_cents": 50_000,
        "reason": "Motivo riservato di prova: la signora vive sola dopo un ricovero.",
    }
    values.update(changes)
    return issuing.VoucherInput(**values)


def issue_voucher(district: District, line_id: int, who: str = "comune_staff", **changes) -> int:
    """A voucher issued through the service, its id."""
    with as_person(district, who) as person:
        voucher = issuing.issue(person, voucher_input(district, line_id, **changes), key())
        db.session.commit()
        return voucher.id


def deliver(
    district: District,
    voucher_id: int,
    cost_cents: int = 10_000,
    who: str = "cooperative_staff",
    cooperative: str = "girasole",
    on: date | None = None,
    **changes,
) -> int:
    """A delivery recorded by the cooperative on a voucher it sees, its id; the family's choice
    of the cooperative is made first."""
    with as_person(district, "citizen") as citizen:
        voucher = redeeming.own_voucher(citizen, voucher_id)
        if district.ids[cooperative] in {c.id for c in redeeming.eligible_cooperatives(voucher)}:
            redeeming.choose(citizen, voucher_id, district.ids[cooperative])
            db.session.commit()
    with as_person(district, who) as person:
        clean = redeeming.DeliveryInput(
            delivered_on=on or today(), cost_cents=cost_cents, **changes
        )
        delivery = redeeming.record_delivery(
            person, district.ids[cooperative], voucher_id, clean, key()
        )
        db.session.commit()
        return delivery.id


def ledger_problems(district: District) -> list[str]:
    """The ledger's check and the budget lines' identity, on the district's data."""
    with district.app.app_context(), tenant_context(district.slug):
        lines = list(db.session.scalars(sa.select(BudgetLine)))
        return problems() + budgets.line_problems(lines)
