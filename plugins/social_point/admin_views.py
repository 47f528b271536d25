"""The district admin's pages for the Social Points: the desks, their weekly opening hours, the
operators on duty each weekday, and the days they stay closed."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict

from condiviso.plugin_api import (
    ConfirmForm,
    InvalidInput,
    NotFound,
    Role,
    allow,
    comuni_choices,
    db,
    expired_form,
)
from plugins.social_point import desks
from plugins.social_point.blueprint import blueprint, point_or_404
from plugins.social_point.models import Mode, SocialPoint
from plugins.social_point.notices import mode_label

OPENINGS_PER_DAY = 2  # a morning and an afternoon
SLOT_LENGTHS = (15, 20, 30, 45, 60, 90)


def _number(value: str | None) -> int | str | None:
    """A whole number typed in a form; anything else is passed on for the services to refuse."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else (value or None)


def _desk_data(form: MultiDict) -> tuple[dict[str, Any], list[str]]:
    """The form as `desks.save_point` takes it, and the field each opening row came from."""
    hours, hour_fields = [], []
    for weekday in range(7):
        for n in range(OPENINGS_PER_DAY):
            opens = form.get(f"h{weekday}_{n}_opens", "").strip()
            closes = form.get(f"h{weekday}_{n}_closes", "").strip()
            if opens or closes:
                hours.append({"weekday": weekday, "opens": opens, "closes": closes})
                hour_fields.append(f"h{weekday}_{n}")
    duties = []
    for value in form.getlist("duty"):
        user_id, _sep, weekday = value.partition(":")
        duties.append({"user_id": _number(user_id), "weekday": _number(weekday)})
    data = {
        name: form.get(name, "")
        for name in ("name", "address", "phone", "email", "accessibility_notes")
    }
    data.update(
        comune_id=_number(form.get("comune_id")),
        slot_minutes=_number(form.get("slot_minutes")),
        notice_hours=_number(form.get("notice_hours")),
        modes=form.getlist("modes"),
        step_free=bool(form.get("step_free")),
        parking=bool(form.get("parking")),
        active=bool(form.get("active")),
        hours=hours,
        duties=duties,
    )
    return data, hour_fields


def _on_fields(errors: dict[str, list[str]], hour_fields: list[str]) -> dict[str, list[str]]:
    """The services' error keys (`hours.3.closes`, `hours.2` for a weekday, `duties.0`) as the
    ids of the form's fields, so each message sits next to what to fix."""
    placed: dict[str, list[str]] = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if parts[0] == "hours" and len(parts) == 3:
            target = f"{hour_fields[int(parts[1])]}_{'closes' if parts[2] == 'closes' else 'opens'}"
        elif parts[0] == "hours" and len(parts) == 2:
            target = f"h{parts[1]}_0_opens"
        elif parts[0] == "duties":
            target = "duties"
        else:
            target = key
        placed.setdefault(target, []).extend(messages)
    return placed


def _form_values(point: SocialPoint | None) -> MultiDict:
    """What the form shows for a desk (or a new one)."""
    if point is None:
        return MultiDict(
            {"slot_minutes": "30", "notice_hours": "24", "active": "y", "modes": "in_person"}
        )
    values = MultiDict(
        {
            "name": point.name,
            "address": point.address,
            "phone": point.phone or "",
            "email": point.email or "",
            "accessibility_notes": point.accessibility_notes or "",
            "comune_id": str(point.comune_id),
            "slot_minutes": str(point.slot_minutes),
            "notice_hours": str(point.notice_hours),
        }
    )
    for flag in ("step_free", "parking", "active"):
        if getattr(point, flag):
            values[flag] = "y"
    for mode in point.modes:
        values.add("modes", mode)
    count: dict[int, int] = {}
    for opening in point.hours:
        n = count.get(opening.weekday, 0)
        count[opening.weekday] = n + 1
        values[f"h{opening.weekday}_{n}_opens"] = opening.opens.strftime("%H:%M")
        values[f"h{opening.weekday}_{n}_closes"] = opening.closes.strftime("%H:%M")
    for duty in point.duties:
        values.add("duty", f"{duty.user_id}:{duty.weekday}")
    return values


def _edit_page(point: SocialPoint | None, values, errors=None, closure_errors=None, status=200):
    return render_template(
        "social_point/admin_point.html",
        point=point,
        values=values,
        errors=errors or {},
        closure_errors=closure_errors or {},
        closure_values=request.form if closure_errors else {},
        comuni=[("", _("Scegli il comune")), *comuni_choices()],
        lengths=[(str(n), _("%(n)d minuti", n=n)) for n in SLOT_LENGTHS],
        modes=[(m.value, mode_label(m.value)) for m in Mode],
        operators=desks.operators(),
        weekdays=desks.weekday_names(),
        openings=range(OPENINGS_PER_DAY),
        confirm=ConfirmForm(),
        bookings_on=desks.bookings_on_closures(point) if point is not None else {},
    ), status


@blueprint.get("/admin/social-point")
@allow(Role.DISTRICT_ADMIN)
def admin_points():
    return render_template("social_point/admin_points.html", points=desks.points(active_only=False))


def _save(point: SocialPoint | None):
    if not ConfirmForm().validate_on_submit():
        errors = expired_form()
        return _edit_page(point, request.form, errors, status=400)
    data, hour_fields = _desk_data(request.form)
    try:
        saved = desks.save_point(data, point)
    except InvalidInput as error:
        db.session.rollback()
        return _edit_page(point, request.form, _on_fields(error.errors, hour_fields), status=400)
    db.session.commit()
    flash(_("Social Point salvato."), "success")
    return redirect(url_for("social_point.admin_point", point_id=saved.id))


@blueprint.route("/admin/social-point/nuovo", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def admin_point_create():
    if request.method == "POST":
        return _save(None)
    return _edit_page(None, _form_values(None))


@blueprint.route("/admin/social-point/<int:point_id>", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def admin_point(point_id: int):
    point = point_or_404(point_id, active_only=False)
    if request.method == "POST":
        return _save(point)
    return _edit_page(point, _form_values(point))


@blueprint.post("/admin/social-point/<int:point_id>/chiusure")
@allow(Role.DISTRICT_ADMIN)
def admin_add_closure(point_id: int):
    point = point_or_404(point_id, active_only=False)
    if not ConfirmForm().validate_on_submit():
        errors = expired_form()
        return _edit_page(point, _form_values(point), closure_errors=errors, status=400)
    try:
        closure = desks.add_closure(point, request.form.get("day", ""), request.form.get("reason"))
    except InvalidInput as error:
        db.session.rollback()
        return _edit_page(point, _form_values(point), closure_errors=error.errors, status=400)
    db.session.commit()
    flash(_("Chiusura aggiunta."), "success")
    affected = desks.bookings_on_closures(point).get(closure.day, 0)
    if affected:
        flash(
            ngettext(
                "Attenzione: in quel giorno c'è %(num)d appuntamento. Avvisa la persona e "
                "disdici l'appuntamento dalla giornata allo sportello.",
                "Attenzione: in quel giorno ci sono %(num)d appuntamenti. Avvisa le persone e "
                "disdici gli appuntamenti dalla giornata allo sportello.",
                affected,
            ),
            "warning",
        )
    return redirect(url_for("social_point.admin_point", point_id=point.id) + "#chiusure")


@blueprint.post("/admin/social-point/<int:point_id>/chiusure/<int:closure_id>/elimina")
@allow(Role.DISTRICT_ADMIN)
def admin_remove_closure(point_id: int, closure_id: int):
    point = point_or_404(point_id, active_only=False)
    if ConfirmForm().validate_on_submit():
        try:
            desks.remove_closure(point, closure_id)
        except NotFound:
            abort(404)
        db.session.commit()
        flash(_("Chiusura tolta: il Social Point riceve di nuovo in quel giorno."), "success")
    return redirect(url_for("social_point.admin_point", point_id=point.id) + "#chiusure")
