"""The district admin's pages for the comuni of the district."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _

from condiviso.accounts.roles import Role, allow
from condiviso.forms import form_page
from condiviso.territory import services
from condiviso.territory.forms import ComuneForm

blueprint = Blueprint("territory", __name__, url_prefix="/admin/comuni")


@blueprint.get("/")
@allow(Role.DISTRICT_ADMIN)
def index():
    return render_template("territory/index.html", comuni=services.list_comuni())


@blueprint.route("/nuovo", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def create():
    form = ComuneForm()
    return form_page(
        form,
        lambda: services.save_comune(None, form.data),
        "territory/edit.html",
        _("Comune aggiunto."),
        url_for("territory.index"),
        comune=None,
    )


@blueprint.route("/<int:comune_id>", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def edit(comune_id: int):
    comune = services.get_comune(comune_id)
    if comune is None:
        abort(404)
    form = ComuneForm(obj=comune)
    return form_page(
        form,
        lambda: services.save_comune(comune, form.data),
        "territory/edit.html",
        _("Comune salvato."),
        url_for("territory.index"),
        comune=comune,
    )
