"""Redemption: the family picks an accredited cooperative (or gives the code at the service), the
cooperative records what it delivered, and the voucher's share moves from the voucher to what
the district owes the cooperative. A correction is a reversal; comune staff may dispute a
delivery, which keeps it off the statements until it is resolved.

A cooperative sees only the vouchers that name its services or that the family brought to it,
and records a delivery only under an accreditation in force on the day delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import Conflict, InvalidInput, db, record_access, today
from plugins.catalog.models import Service
from plugins.cooperatives.models import Accreditation, Cooperative
from plugins.cooperatives.services import valid_on
from plugins.vouchers import access, budgets
from plugins.vouchers.issuing import VOUCHER, hours_cost, normalize_code
from plugins.vouchers.models import (
    Choice,
    Delivery,
    Voucher,
    VoucherStatus,
    voucher_service,
)
from plugins.wallet import ledger
from plugins.wallet.models import Account, AccountKind
from plugins.wallet.money import format_cents

NO_SUCH_CODE = "Nessun voucher valido con questo codice per la tua cooperativa."


def receivable(cooperative: Cooperative, funder: str) -> Account:
    """What the district (a funder of it) owes a cooperative, as a ledger account."""
    return ledger.open_account(
        AccountKind.RECEIVABLE,
        f"vouchers.receivable:{cooperative.id}:{funder}",
        _("Da pagare a %(name)s", name=cooperative.legal_name),
    )


def voucher_comune(voucher: Voucher) -> int | None:
    """The comune a voucher is spent in: its line's funder, or for the district's own lines the
    comune the beneficiary lives in (None: any comune of the district)."""
    if voucher.line.comune_id is not None:
        return voucher.line.comune_id
    return voucher.beneficiary.comune_id


def _covered_categories(voucher: Voucher) -> set[int]:
    return {c.id for c in voucher.categories} | {s.category_id for s in voucher.services}


def accreditation_for(
    voucher: Voucher, cooperative_id: int, on: date, category_id: int | None = None
) -> Accreditation | None:
    """The cooperative's accreditation in force on `on` under which it may deliver on the
    voucher (for `category_id`, or any category the voucher covers), or None."""
    categories = _covered_categories(voucher)
    if category_id is not None:
        categories &= {category_id}
    if not categories:
        return None
    query = sa.select(Accreditation).where(
        Accreditation.cooperative_id == cooperative_id,
        Accreditation.category_id.in_(categories),
        valid_on(on),
    )
    comune_id = voucher_comune(voucher)
    if comune_id is not None:
        query = query.where(Accreditation.comune_id == comune_id)
    return db.session.scalars(query.order_by(Accreditation.id)).first()


def eligible_cooperatives(voucher: Voucher, on: date | None = None) -> list[Cooperative]:
    """The active cooperatives the family may take the voucher to: those that deliver a service
    it names, or that are accredited, today, for a category it covers where it is spent."""
    on = on or today()
    named = {s.cooperative_id for s in voucher.services if s.cooperative_id}
    query = (
        sa.select(Cooperative).where(Cooperative.active.is_(True)).order_by(Cooperative.legal_name)
    )
    return [
        c
        for c in db.session.scalars(query)
        if (c.id in named or not voucher.services) and accreditation_for(voucher, c.id, on)
    ]


# -- what a cooperative sees -----------------------------------------------------------------------


def _cooperative(user, cooperative_id: int) -> Cooperative:
    """A cooperative the person works for, or not found."""
    if cooperative_id not in access.cooperatives_of(user):
        raise access.not_found()
    found = db.session.get(Cooperative, cooperative_id)
    if found is None:
        raise access.not_found()
    return found


def seen_by(cooperative_id: int) -> sa.ColumnElement[bool]:
    """The vouchers a cooperative sees: they name one of its services, or the family chose it."""
    names_its_service = sa.exists(
        sa.select(voucher_service.c.voucher_id)
        .join(Service, Service.id == voucher_service.c.service_id)
        .where(voucher_service.c.voucher_id == Voucher.id, Service.cooperative_id == cooperative_id)
    )
    chosen = sa.exists(
        sa.select(Choice.voucher_id).where(
            Choice.voucher_id == Voucher.id, Choice.cooperative_id == cooperative_id
        )
    )
    return sa.or_(names_its_service, chosen)


def cooperative_vouchers(user, cooperative_id: int, running_only: bool = True) -> list[Voucher]:
    cooperative = _cooperative(user, cooperative_id)
    query = sa.select(Voucher).where(seen_by(cooperative.id)).order_by(Voucher.valid_to, Voucher.id)
    if running_only:
        query = query.where(Voucher.status == VoucherStatus.ACTIVE.value)
    return list(db.session.scalars(query))


def cooperative_voucher(user, cooperative_id: int, voucher_id: int) -> Voucher:
    """One voucher the cooperative sees (audited: it names a person), or not found."""
    cooperative = _cooperative(user, cooperative_id)
    voucher = (
        db.session.scalar(
            sa.select(Voucher).where(Voucher.id == voucher_id, seen_by(cooperative.id))
        )
        if access.is_id(voucher_id)
        else None
    )
    if voucher is None:
        raise access.not_found()
    access.check_writable()
    record_access("read", VOUCHER, voucher.id, subject_user_id=voucher.beneficiary_user_id)
    return voucher


def present_code(user, cooperative_id: int, code: str | None) -> Voucher:
    """The family gave the voucher's code at the service: the cooperative sees it from now on,
    if the voucher is running and the cooperative may deliver on it."""
    cooperative = _cooperative(user, cooperative_id)
    access.check_writable()
    printed = normalize_code(code)
    voucher = (
        db.session.scalar(sa.select(Voucher).where(Voucher.code == printed)) if printed else None
    )
    if (
        voucher is None
        or not voucher.usable_on(today())
        or cooperative not in eligible_cooperatives(voucher)
    ):
        raise InvalidInput({"code": [_(NO_SUCH_CODE)]})
    _choose(voucher, cooperative, access.actor(user).label)
    record_access("read", VOUCHER, voucher.id, subject_user_id=voucher.beneficiary_user_id)
    return voucher


def choose(citizen, voucher_id: int, cooperative_id: int) -> Cooperative:
    """The beneficiary picks the cooperative that will deliver on their voucher."""
    access.check_writable()
    voucher = own_voucher(citizen, voucher_id)
    if not voucher.usable_on(today()):
        raise Conflict(_("Il voucher non è più utilizzabile."))
    chosen = next((c for c in eligible_cooperatives(voucher) if c.id == cooperative_id), None)
    if chosen is None:
        raise InvalidInput({"cooperative_id": [_("Scegli una cooperativa dell'elenco.")]})
    _choose(voucher, chosen, citizen.full_name)
    return chosen


def _choose(voucher: Voucher, cooperative: Cooperative, label: str) -> None:
    if db.session.get(Choice, (voucher.id, cooperative.id)) is None:
        db.session.add(
            Choice(voucher_id=voucher.id, cooperative_id=cooperative.id, chosen_by_label=label)
        )
        db.session.flush()


def chosen_cooperatives(voucher: Voucher) -> list[Cooperative]:
    return list(
        db.session.scalars(
            sa.select(Cooperative)
            .join(Choice, Choice.cooperative_id == Cooperative.id)
            .where(Choice.voucher_id == voucher.id)
            .order_by(Cooperative.legal_name)
        )
    )


def own_voucher(citizen, voucher_id: int) -> Voucher:
    voucher = db.session.get(Voucher, voucher_id) if access.is_id(voucher_id) else None
    if voucher is None or citizen is None or voucher.beneficiary_user_id != citizen.id:
        raise access.not_found()
    return voucher


def own_vouchers(citizen) -> list[Voucher]:
    """A person's vouchers: running ones first, soonest to expire first."""
    return list(
        db.session.scalars(
            sa.select(Voucher)
            .where(Voucher.beneficiary_user_id == citizen.id)
            .order_by((Voucher.status != VoucherStatus.ACTIVE.value), Voucher.valid_to, Voucher.id)
        )
    )


# -- deliveries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryInput:
    delivered_on: date
    service_id: int | None = None
    minutes: int | None = None  # an hours voucher's delivery
    units: int | None = None
    cost_cents: int | None = None  # a value voucher's delivery: what it cost in all
    note: str | None = None


def voucher_share(copay_percent: int, cost_cents: int) -> int:
    """The part of a delivery's cost the voucher pays; the family pays the rest (its co-payment
    share, rounded to the cent in the family's favour)."""
    family = cost_cents * copay_percent // 100
    return cost_cents - family


def record_delivery(
    user, cooperative_id: int, voucher_id: int, clean: DeliveryInput, key: str
) -> Delivery:
    """A delivery on a voucher the cooperative sees, under its accreditation in force on the day;
    the voucher's share moves to what the district owes the cooperative, never past the
    voucher's balance (also with other deliveries recorded at once). A retried form returns
    the delivery it already recorded."""
    cooperative = _cooperative(user, cooperative_id)
    access.check_writable()
    done = ledger.find_transaction(key)
    if done is not None:
        return _delivery_of(done)
    voucher = (
        db.session.scalar(
            sa.select(Voucher).where(Voucher.id == voucher_id, seen_by(cooperative.id))
        )
        if access.is_id(voucher_id)
        else None
    )
    if voucher is None:
        raise access.not_found()
    errors: dict[str, list[str]] = {}
    day = clean.delivered_on
    if day > today():
        errors["delivered_on"] = [_("La data non può essere nel futuro.")]
    elif not (voucher.valid_from <= day <= voucher.valid_to):
        errors["delivered_on"] = [_("In quella data il voucher non era valido.")]
    if voucher.status != VoucherStatus.ACTIVE.value:
        errors["_schema"] = [_("Il voucher non è attivo: non si registrano prestazioni.")]
    service = None
    if clean.service_id is not None:
        service = (
            db.session.get(Service, clean.service_id) if access.is_id(clean.service_id) else None
        )
        covered = voucher.services or None
        if (
            service is None
            or service.cooperative_id != cooperative.id
            or (covered is not None and service not in covered)
            or (covered is None and service.category_id not in _covered_categories(voucher))
        ):
            errors["service_id"] = [_("Scegli un servizio che il voucher copre.")]
    elif voucher.services:
        errors["service_id"] = [_("Scegli il servizio erogato.")]
    if voucher.is_hours:
        if not clean.minutes or clean.minutes <= 0:
            errors["minutes"] = [_("Scrivi le ore erogate.")]
        cost = hours_cost(clean.minutes or 0, voucher.hourly_rate_cents)
    else:
        if not clean.cost_cents or clean.cost_cents <= 0:
            errors["cost"] = [_("Scrivi il costo della prestazione.")]
        cost = clean.cost_cents or 0
    accreditation = None
    if not errors:
        accreditation = accreditation_for(
            voucher, cooperative.id, day, service.category_id if service else None
        )
        if accreditation is None:
            errors["delivered_on"] = [
                _("In quella data la cooperativa non era accreditata per questo voucher.")
            ]
    if errors:
        raise InvalidInput(errors)
    amount = voucher_share(voucher.copay_percent, cost)
    transaction = ledger.post(
        budgets.DELIVERY,
        [(voucher.account, -amount), (receivable(cooperative, voucher.line.funder), amount)],
        key=key,
        actor=access.actor(user),
        reason=_("Prestazione sul voucher %(code)s", code=voucher.code),
        overdrawn=lambda account: _(
            "Il voucher ha ancora %(left)s: la quota del voucher (%(amount)s) lo supera.",
            left=format_cents(account.balance_cents),
            amount=format_cents(amount),
        ),
    )
    if db.session.scalar(sa.select(Delivery.id).where(Delivery.transaction_id == transaction.id)):
        return _delivery_of(transaction)  # the same form, sent twice at once
    delivery = Delivery(
        voucher_id=voucher.id,
        cooperative_id=cooperative.id,
        accreditation_id=accreditation.id,
        service_id=service.id if service else None,
        funder=voucher.line.funder,
        delivered_on=day,
        minutes=clean.minutes if voucher.is_hours else None,
        units=clean.units,
        cost_cents=cost,
        amount_cents=amount,
        note=clean.note,
        transaction_id=transaction.id,
        recorded_by_user_id=user.id,
        recorded_by_label=access.actor(user).label,
    )
    db.session.add(delivery)
    db.session.flush()
    return delivery


def _delivery_of(transaction, missing_ok: bool = False) -> Delivery | None:
    found = db.session.scalar(sa.select(Delivery).where(Delivery.transaction_id == transaction.id))
    if found is None and not missing_ok:
        raise InvalidInput(
            {"_schema": [_("Il modulo non è valido: ricarica la pagina e riprova.")]}
        )
    return found


def was_reversed(delivery: Delivery) -> bool:
    """Whether a reversal row points to this delivery."""
    return (
        db.session.scalar(sa.select(Delivery.id).where(Delivery.reverses_id == delivery.id))
        is not None
    )


def deliveries(voucher: Voucher) -> list[Delivery]:
    return list(
        db.session.scalars(
            sa.select(Delivery)
            .where(Delivery.voucher_id == voucher.id)
            .order_by(Delivery.delivered_on, Delivery.id)
        )
    )


def cooperative_deliveries(user, cooperative_id: int, limit: int = 200) -> list[Delivery]:
    cooperative = _cooperative(user, cooperative_id)
    return list(
        db.session.scalars(
            sa.select(Delivery)
            .where(Delivery.cooperative_id == cooperative.id)
            .order_by(Delivery.delivered_on.desc(), Delivery.id.desc())
            .limit(limit)
        )
    )


def reverse(user, delivery: Delivery, reason: str) -> Delivery:
    """The reversal of a delivery: the voucher gets its share back (and a voucher no longer
    running gives it straight back to its line)."""
    if delivery.reverses_id is not None:
        raise Conflict(_("Questa riga è già uno storno."))
    original = ledger.find_transaction_by_id(delivery.transaction_id)
    # Locked first: a reversal that waited for another one sees it.
    ledger.lock_accounts(entry.account_id for entry in original.entries)
    if was_reversed(delivery):
        raise Conflict(_("Questa prestazione è già stata stornata."))
    transaction = ledger.reverse(
        original,
        key=f"vouchers.delivery_reversal:{delivery.id}",
        actor=access.actor(user),
        reason=reason,
        kind=budgets.DELIVERY_REVERSAL,
    )
    reversal = Delivery(
        voucher_id=delivery.voucher_id,
        cooperative_id=delivery.cooperative_id,
        accreditation_id=delivery.accreditation_id,
        service_id=delivery.service_id,
        funder=delivery.funder,
        delivered_on=delivery.delivered_on,
        minutes=-delivery.minutes if delivery.minutes else None,
        units=-delivery.units if delivery.units else None,
        cost_cents=-delivery.cost_cents,
        amount_cents=-delivery.amount_cents,
        note=reason[:300],
        transaction_id=transaction.id,
        reverses_id=delivery.id,
        recorded_by_user_id=user.id,
        recorded_by_label=access.actor(user).label,
    )
    db.session.add(reversal)
    voucher = delivery.voucher
    if voucher.status != VoucherStatus.ACTIVE.value:
        ledger.post(
            budgets.CANCELLATION
            if voucher.status == VoucherStatus.CANCELLED.value
            else budgets.EXPIRY,
            [
                (voucher.account, -delivery.amount_cents),
                (voucher.line.account, delivery.amount_cents),
            ],
            key=f"vouchers.release_reversal:{delivery.id}",
            actor=access.actor(user),
            reason=_("Storno su un voucher chiuso: l'importo torna alla voce di bilancio"),
        )
    db.session.flush()
    return reversal


def reverse_delivery(user, cooperative_id: int, delivery_id: int, reason: str) -> Delivery:
    """The cooperative corrects one of its deliveries (a wrong amount, a day that did not
    happen): a reversal row, never an edit; the right one is then recorded anew."""
    cooperative = _cooperative(user, cooperative_id)
    access.check_writable()
    delivery = db.session.get(Delivery, delivery_id) if access.is_id(delivery_id) else None
    if delivery is None or delivery.cooperative_id != cooperative.id:
        raise access.not_found()
    return reverse(user, delivery, _("Correzione: %(reason)s", reason=reason))


def covered_services(voucher: Voucher) -> list[Service]:
    """The published services of the voucher's categories, for a voucher that names none."""
    from plugins.catalog.models import ServiceStatus

    categories = _covered_categories(voucher)
    if not categories:
        return []
    return list(
        db.session.scalars(
            sa.select(Service)
            .where(
                Service.category_id.in_(categories), Service.status == ServiceStatus.PUBLISHED.value
            )
            .order_by(Service.title)
        )
    )


def cooperative_delivery(user, cooperative_id: int, delivery_id: int) -> Delivery:
    cooperative = _cooperative(user, cooperative_id)
    delivery = db.session.get(Delivery, delivery_id) if access.is_id(delivery_id) else None
    if delivery is None or delivery.cooperative_id != cooperative.id:
        raise access.not_found()
    return delivery
