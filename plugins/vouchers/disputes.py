"""Disputes: comune staff contest a delivery on a voucher of their lines. A disputed delivery
stays off the statements until it is resolved: upheld, it is reversed; dismissed, it is payable
again. A delivery already paid is not disputed but corrected by the cooperative's reversal."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import Conflict, db, utcnow
from plugins.vouchers import access, redeeming
from plugins.vouchers.models import Delivery, Dispute, Resolution
from plugins.vouchers.statements import is_paid
from plugins.wallet import ledger

# -- disputes --------------------------------------------------------------------------------------


def line_delivery(user, delivery_id: int) -> Delivery:
    """A delivery on a voucher of a line the person manages, or not found."""
    access.check_money_staff(user)
    delivery = db.session.get(Delivery, delivery_id) if access.is_id(delivery_id) else None
    if delivery is None or not access.may_manage_line(user, delivery.voucher.line):
        raise access.not_found()
    return delivery


def line_dispute(user, dispute_id: int) -> Dispute:
    """A dispute on a delivery of a line the person manages, or not found."""
    access.check_money_staff(user)
    found = db.session.get(Dispute, dispute_id) if access.is_id(dispute_id) else None
    if found is None or not access.may_manage_line(user, found.delivery.voucher.line):
        raise access.not_found()
    return found


def open_dispute(delivery: Delivery) -> Dispute | None:
    return db.session.scalar(
        sa.select(Dispute).where(Dispute.delivery_id == delivery.id, Dispute.resolved_at.is_(None))
    )


def dispute(user, delivery_id: int, reason: str) -> Dispute:
    """Comune staff contest a delivery: it stays off the statements until resolved."""
    delivery = line_delivery(user, delivery_id)
    access.check_writable()
    # The receivable locked first: a payment or another dispute being written waits, or is seen.
    ledger.lock_accounts([redeeming.receivable(delivery.cooperative, delivery.funder).id])
    if delivery.reverses_id is not None or redeeming.was_reversed(delivery):
        raise Conflict(_("La prestazione è stata stornata: non c'è nulla da contestare."))
    if open_dispute(delivery) is not None:
        raise Conflict(_("La prestazione è già contestata."))
    if is_paid(delivery):
        raise Conflict(_("La prestazione è già stata pagata: chiedi alla cooperativa uno storno."))
    found = Dispute(
        delivery_id=delivery.id, reason=reason, raised_by_label=access.actor(user).label
    )
    db.session.add(found)
    db.session.flush()
    return found


def resolve(user, dispute_id: int, upheld: bool, note: str | None) -> Dispute:
    """Close a dispute: upheld, the delivery is reversed; dismissed, it is payable again."""
    found = line_dispute(user, dispute_id)
    access.check_writable()
    ledger.lock_accounts(
        [redeeming.receivable(found.delivery.cooperative, found.delivery.funder).id]
    )
    db.session.refresh(found)
    if found.resolved_at is not None:
        raise Conflict(_("La contestazione è già stata chiusa."))
    if upheld:
        redeeming.reverse(
            user, found.delivery, _("Contestazione accolta: %(reason)s", reason=found.reason)
        )
    found.resolution = (Resolution.UPHELD if upheld else Resolution.DISMISSED).value
    found.resolution_note = note
    found.resolved_by_label = access.actor(user).label
    found.resolved_at = utcnow()
    db.session.flush()
    return found
