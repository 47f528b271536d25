"""Portal pages of the core: the district's home and its comuni."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from condiviso.accounts.roles import Audience, allow
from condiviso.portal import services
from condiviso.tenancy import current_tenant
from condiviso.territory.services import comune_by_istat, list_comuni

blueprint = Blueprint("portal", __name__)


def home():
    """The district's home page (served at `/` on tenant hosts)."""
    tenant = current_tenant()
    return render_template(
        "portal/home.html",
        tenant=tenant,
        comuni=list_comuni(),
        sections=services.home_sections(tenant),
    )


@blueprint.get("/comuni/<istat_code>")
@allow(Audience.EVERYONE)
def comune(istat_code: str):
    """One comune of the district."""
    record = comune_by_istat(istat_code)
    if record is None:
        abort(404)
    return render_template("portal/comune.html", comune=record)
