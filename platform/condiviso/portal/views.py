"""Portal pages of the core: the district's home and its comuni."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template

from condiviso.accounts.roles import Audience, allow
from condiviso.extensions import db
from condiviso.plugins import tenant_hook
from condiviso.tenancy import current_tenant
from condiviso.territory.models import Comune
from condiviso.territory.services import list_comuni

blueprint = Blueprint("portal", __name__)


def home():
    """The district's home page (served at `/` on tenant hosts)."""
    tenant = current_tenant()
    comuni = list_comuni()
    sections = [
        fragment
        for result in tenant_hook("condiviso_portal_home", tenant)(tenant=tenant)
        for fragment in (result or ())
    ]
    return render_template("portal/home.html", tenant=tenant, comuni=comuni, sections=sections)


@blueprint.get("/comuni/<istat_code>")
@allow(Audience.EVERYONE)
def comune(istat_code: str):
    """One comune of the district."""
    if not (len(istat_code) == 6 and istat_code.isdigit()):
        abort(404)
    record = db.session.scalar(sa.select(Comune).where(Comune.istat_code == istat_code))
    if record is None:
        abort(404)
    return render_template("portal/comune.html", comune=record)
