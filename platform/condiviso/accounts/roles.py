"""Roles, and how a view says who may use it."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l

from condiviso.labels import EnumLabels

View = TypeVar("View", bound=Callable[..., Any])


class Role(enum.StrEnum):
    """Roles inside a district; a person may hold several."""

    DISTRICT_ADMIN = "district_admin"
    COMUNE_STAFF = "comune_staff"
    COOPERATIVE_STAFF = "cooperative_staff"
    OPERATOR = "operator"
    CITIZEN = "citizen"


class Audience(enum.StrEnum):
    """Who may use a view besides the tenant roles."""

    EVERYONE = "everyone"  # guests included
    SIGNED_IN = "signed_in"  # any signed-in person of the district, whatever their roles
    GUESTS = "guests"  # only people not signed in (the login page, say)
    PLATFORM_OPERATOR = "platform_operator"  # apex only


STAFF_ROLES = frozenset(
    {Role.DISTRICT_ADMIN, Role.COMUNE_STAFF, Role.COOPERATIVE_STAFF, Role.OPERATOR}
)
ROLES_WITH_COMUNI = frozenset({Role.COMUNE_STAFF})
ROLES_WITH_COOPERATIVE = frozenset({Role.COOPERATIVE_STAFF})
ACCESS_ATTRIBUTE = "condiviso_access"


def allow(*who: Role | Audience) -> Callable[[View], View]:
    """Declare who may use a view: roles, or audiences. Every view must say it; the access
    check (`condiviso.accounts.access`) refuses views that do not."""
    if not who:
        raise ValueError("allow() needs at least one role or audience")

    def mark(view: View) -> View:
        setattr(view, ACCESS_ATTRIBUTE, frozenset(who))
        return view

    return mark


role_label = EnumLabels(
    {
        Role.DISTRICT_ADMIN: _l("Amministrazione del distretto"),
        Role.COMUNE_STAFF: _l("Personale del comune"),
        Role.COOPERATIVE_STAFF: _l("Personale della cooperativa"),
        Role.OPERATOR: _l("Operatore"),
        Role.CITIZEN: _l("Cittadino"),
    }
)
