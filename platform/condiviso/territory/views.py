"""The district admin's pages for the comuni of the district."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from condiviso.accounts.roles import Role, allow
from condiviso.extensions import db
from condiviso.forms import NO_CONTROL_CHARACTERS, NO_CONTROL_CHARACTERS_IN_TEXT, invalid
from condiviso.territory.models import Comune
from condiviso.territory.services import list_comuni

blueprint = Blueprint("territory", __name__, url_prefix="/admin/comuni")


class ComuneForm(FlaskForm):
    name = StringField(
        _l("Nome del comune"),
        validators=[
            DataRequired(_l("Scrivi il nome del comune.")),
            Length(max=120, message=_l("Al massimo 120 caratteri.")),
            NO_CONTROL_CHARACTERS,
        ],
    )
    istat_code = StringField(
        _l("Codice ISTAT"),
        validators=[
            DataRequired(_l("Scrivi il codice ISTAT.")),
            Regexp(r"^\d{6}$", message=_l("Il codice ISTAT è di 6 cifre.")),
        ],
    )
    contact_email = EmailField(
        _l("E-mail del comune"),
        validators=[Optional(), Length(max=254), Email(message=_l("Indirizzo e-mail non valido."))],
    )
    contact_phone = StringField(
        _l("Telefono del comune"),
        validators=[
            Optional(),
            Regexp(
                r"^\+?[0-9 ./-]{6,20}$",
                message=_l("Numero di telefono non valido (solo cifre, spazi e +)."),
            ),
        ],
    )
    social_office = TextAreaField(
        _l("Ufficio dei servizi sociali"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Al massimo 500 caratteri.")),
            NO_CONTROL_CHARACTERS_IN_TEXT,
        ],
        description=_l("Indirizzo, giorni e orari in cui l'ufficio riceve."),
    )


@blueprint.get("/")
@allow(Role.DISTRICT_ADMIN)
def index():
    comuni = list_comuni()
    return render_template("territory/index.html", comuni=comuni)


def _save(form: ComuneForm, comune: Comune | None):
    clash = db.session.scalar(sa.select(Comune).where(Comune.istat_code == form.istat_code.data))
    if clash is not None and clash is not comune:
        form.istat_code.errors = [
            *form.istat_code.errors,
            _("Un altro comune ha già questo codice ISTAT."),
        ]
        return None
    if comune is None:
        comune = Comune(is_lead=False)
        db.session.add(comune)
    comune.name = form.name.data.strip()
    comune.istat_code = form.istat_code.data
    comune.contact_email = (form.contact_email.data or "").strip().lower() or None
    comune.contact_phone = (form.contact_phone.data or "").strip() or None
    comune.social_office = (form.social_office.data or "").strip() or None
    db.session.commit()
    return comune


@blueprint.route("/nuovo", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def create():
    form = ComuneForm()
    if form.validate_on_submit() and _save(form, None) is not None:
        flash(_("Comune aggiunto."), "success")
        return redirect(url_for("territory.index"))
    return render_template("territory/edit.html", form=form, comune=None), invalid(form)


@blueprint.route("/<int:comune_id>", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def edit(comune_id: int):
    comune = db.session.get(Comune, comune_id)
    if comune is None:
        abort(404)
    form = ComuneForm(obj=comune)
    if form.validate_on_submit() and _save(form, comune) is not None:
        flash(_("Comune salvato."), "success")
        return redirect(url_for("territory.index"))
    return render_template("territory/edit.html", form=form, comune=comune), invalid(form)
