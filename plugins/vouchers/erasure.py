"""A person deleted their account: the money stays, as a district must keep it, and the reasons
their vouchers were issued for go."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.plugin_api import db
from plugins.vouchers.models import Voucher


def erase_person(user_id: int) -> None:
    """The person's vouchers keep their rows and movements; the account they point to is made
    anonymous by the core (its name, e-mail and phone go). The special-category reason goes
    now. The caller commits."""
    db.session.execute(
        sa.update(Voucher)
        .where(Voucher.beneficiary_user_id == user_id)
        .values(reason=None)
        .execution_options(synchronize_session=False)
    )
