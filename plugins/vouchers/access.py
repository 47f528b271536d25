"""Who may do what with the district's money: the lines a member of staff issues from, the
cooperatives they work for, the vouchers and statements they see.

The views say who may open them with `allow`; every service function checks again here, so no
other door (a walked id, a forged form) reaches another comune's lines or another cooperative's
vouchers. What a person may not see answers "not found", never "forbidden".
"""

from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import NotFound, Role, TenantSuspended, current_tenant, district_key
from plugins.vouchers.models import LARGEST_ID, BudgetLine
from plugins.wallet.ledger import Actor

MONEY_STAFF = (Role.DISTRICT_ADMIN, Role.COMUNE_STAFF)
DESK_STAFF = (Role.DISTRICT_ADMIN, Role.COMUNE_STAFF, Role.OPERATOR)
ALL_STAFF = (*DESK_STAFF, Role.COOPERATIVE_STAFF)


def actor(user) -> Actor:
    """How a person is named on the money they move: name and username."""
    return Actor(f"{user.full_name} <{user.username}>", user.id)


def not_found() -> NotFound:
    return NotFound(_("La pagina che cerchi non esiste."))


def is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= LARGEST_ID


def check_writable() -> None:
    if current_tenant().read_only:
        raise TenantSuspended(_("Il portale è sospeso: i movimenti sono fermi, i dati restano."))


def is_admin(user) -> bool:
    return user is not None and user.has_role(Role.DISTRICT_ADMIN)


def comuni_of(user) -> frozenset[int]:
    return user.comune_scope() if user is not None else frozenset()


def cooperatives_of(user) -> frozenset[int]:
    """The cooperatives a member of cooperative staff works for."""
    if user is None:
        return frozenset()
    return frozenset(
        g.cooperative_id
        for g in user.grants
        if g.role == Role.COOPERATIVE_STAFF and g.cooperative_id
    )


def lines_scope(user) -> sa.ColumnElement[bool]:
    """The budget lines a person manages: every line for the district admin, their comuni's
    for comune staff, none for anyone else."""
    if is_admin(user):
        return sa.true()
    comuni = comuni_of(user)
    return BudgetLine.comune_id.in_(comuni) if comuni else sa.false()


def may_manage_line(user, line: BudgetLine) -> bool:
    return is_admin(user) or (line.comune_id is not None and line.comune_id in comuni_of(user))


def check_money_staff(user) -> None:
    if user is None or not (is_admin(user) or comuni_of(user)):
        raise not_found()


def operation_key(purpose: str, token: str, user) -> str:
    """The idempotency key of an operation a form sends: the form's token keyed with the
    district's secret and scoped to who sent it, so a token a client chooses can never name
    someone else's operation."""
    key = district_key("vouchers:operation")
    scope = f"user:{user.id}" if user is not None else "guest"
    digest = hmac.new(key, f"{purpose}|{scope}|{token}".encode(), hashlib.sha256).hexdigest()
    return f"{purpose}:{digest}"
