"""A person deleted their account: the money stays, as a district must keep it, and the reasons
their vouchers were issued for go."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.plugin_api import db
from plugins.vouchers.models import Choice, Voucher


def erase_person(user_id: int) -> None:
    """The person's vouchers keep their rows and movements; the account they point to is made
    anonymous by the core (its name, e-mail and phone go). The special-category reason goes
    now, and so does the person's name where they chose a cooperative. The caller commits."""
    theirs = sa.select(Voucher.id).where(Voucher.beneficiary_user_id == user_id)
    db.session.execute(
        sa.update(Choice)
        .where(Choice.voucher_id.in_(theirs))
        .values(chosen_by_label="beneficiario")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(Voucher)
        .where(Voucher.beneficiary_user_id == user_id)
        .values(reason=None)
        .execution_options(synchronize_session=False)
    )
