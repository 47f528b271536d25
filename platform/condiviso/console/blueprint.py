"""The console's blueprint and what its view modules share: who is signed in, how their changes
are recorded, and the template helpers every console page uses."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from condiviso.accounts.access import is_platform_operator
from condiviso.console.operators import operator_actor
from condiviso.labels import EnumLabels
from condiviso.plugins import NavEntry
from condiviso.tenancy.models import PlatformOperator, TenantStatus

blueprint = Blueprint("console", __name__, url_prefix="/console")


def current_operator() -> PlatformOperator:
    """The signed-in operator (the access check has made sure there is one)."""
    return current_user._get_current_object()


def current_actor() -> str:
    """How the signed-in operator's changes are recorded in the registry audit."""
    return operator_actor(current_operator())


# A district's status in words.
status_label = EnumLabels(
    {
        TenantStatus.PROVISIONING: _l("in creazione"),
        TenantStatus.ACTIVE: _l("attivo"),
        TenantStatus.SUSPENDED: _l("sospeso"),
        TenantStatus.OFFBOARDED: _l("dismesso"),
    }
)


def audit_details(details: dict[str, Any] | None) -> str:
    """An audit row's details, as compact JSON an operator can read."""
    return json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)


@blueprint.context_processor
def _console_context() -> dict[str, Any]:
    navigation = []
    if is_platform_operator(current_user):
        navigation = [
            NavEntry(_("Distretti"), "console.dashboard"),
            NavEntry(_("Nuovo distretto"), "console.provision"),
        ]
    return {
        "navigation": navigation,
        "status_label": status_label,
        "audit_details": audit_details,
    }
