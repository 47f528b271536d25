"""The Social Points' blueprint and what its view modules share: who counts as staff at a desk,
the desk a URL names, and the words for an appointment's state. `views`, `desk_views` and
`admin_views` add their routes to it; `plugin.py` imports all three and hands it to the core."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import lazy_gettext as _l

from condiviso.plugin_api import EnumLabels, NotFound, Role, signed_in_user
from plugins.social_point import desks, notices
from plugins.social_point.models import BookingStatus, SocialPoint

blueprint = Blueprint("social_point", __name__, template_folder="templates")
blueprint.add_app_template_global(notices.mode_label, "mode_label")

STAFF = (Role.OPERATOR, Role.DISTRICT_ADMIN)


def is_staff() -> bool:
    """Whether the person signed in works at the desks (an operator or the district admin)."""
    user = signed_in_user()
    return user is not None and user.has_role(*STAFF)


def point_or_404(point_id: int, active_only: bool = True) -> SocialPoint:
    """The desk of the URL; 404 if there is none (or, for the public pages, it is closed)."""
    try:
        return desks.get_point(point_id, active_only=active_only)
    except NotFound:
        abort(404)


status_label = EnumLabels(
    {
        BookingStatus.BOOKED: _l("prenotato"),
        BookingStatus.ATTENDED: _l("svolto"),
        BookingStatus.NO_SHOW: _l("non presentato"),
        BookingStatus.CANCELLED: _l("disdetto"),
    }
)
