"""The citizens an operator works with: found by name, e-mail, phone number or codice fiscale.

Citizens are the accounts holding the citizen role, found the way the accounts package finds
its staff (`condiviso.accounts.staff.staff_members`: a sub-query on role grants, deleted
accounts left out). Phone numbers are compared as the accounts store them (E.164, through
`condiviso.accounts.phones.normalize_phone`), so "333 123 4567" finds "+393331234567".
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import NotFound, Role, RoleGrant, User, db, normalize_phone
from plugins.care_plans.models import LARGEST_ID

QUERY_MAX = 100
# Words are split by spaces and by control characters, which no name holds.
_WORD = re.compile(r"[^\s\x00-\x1f\x7f]+")


def _citizens() -> sa.Select:
    return sa.select(User).where(
        User.deleted_at.is_(None),
        User.id.in_(sa.select(RoleGrant.user_id).where(RoleGrant.role == Role.CITIZEN.value)),
    )


def find_citizens(query: str, limit: int = 25) -> list[User]:
    """Citizens with `query` as phone number, or whose name, e-mail or codice fiscale holds
    every word of `query`."""
    query = query[:QUERY_MAX]
    phone = normalize_phone(query)
    if phone is not None:
        return list(db.session.scalars(_citizens().where(User.phone == phone).limit(limit)))
    words = _WORD.findall(query)[:6]
    if not words:
        return []
    statement = _citizens()
    for word in words:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"
        statement = statement.where(
            sa.or_(
                User.full_name.ilike(pattern, escape="\\"),
                sa.cast(User.email, sa.String).ilike(pattern, escape="\\"),
                User.codice_fiscale == word.upper(),
            )
        )
    return list(db.session.scalars(statement.order_by(User.full_name, User.id).limit(limit)))


def get_citizen(user_id: int) -> User:
    """A citizen of the district; `NotFound` for any other id."""
    citizen = None
    if 0 < user_id <= LARGEST_ID:
        citizen = db.session.scalar(_citizens().where(User.id == user_id))
    if citizen is None:
        raise NotFound(_("La persona che cerchi non è registrata nel distretto."))
    return citizen
