"""The operator's day at a desk: today's appointments in order, who came and who did not, and
people who walk in without one, recorded in one step."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from condiviso.plugin_api import (
    ConfirmForm,
    Conflict,
    NotFound,
    allow,
    local_now,
    run_form,
    shown_errors,
    shown_values,
    signed_in_user,
)
from plugins.social_point import desks, records, services
from plugins.social_point.blueprint import STAFF, blueprint, status_label
from plugins.social_point.forms import MarkForm, WalkInForm
from plugins.social_point.models import BookingStatus, SocialPoint


def _chosen_point(points: list[SocialPoint]) -> SocialPoint | None:
    """The desk asked for (`?sportello=`), else the one the operator is on duty at today, else
    the first."""
    asked = request.values.get("sportello", "")
    if asked.isdecimal() and len(asked) < 10:
        found = next((p for p in points if p.id == int(asked)), None)
        if found is None:
            abort(404)
        return found
    weekday = local_now().weekday()
    me = signed_in_user().id
    on_duty = [p for p in points if any(d.user_id == me and d.weekday == weekday for d in p.duties)]
    return (on_duty or points or [None])[0]


def _chosen_day() -> date:
    today = local_now().date()
    try:
        day = date.fromisoformat(request.values.get("giorno", "")[:10])
    except ValueError:
        return today
    return day if abs((day - today).days) <= 366 else today


def _day_url(point: SocialPoint, day: date) -> str:
    return url_for("social_point.day", sportello=point.id, giorno=day.isoformat())


@blueprint.get("/operatore/giornata")
@allow(*STAFF)
def day():
    return _day_page(WalkInForm(formdata=None))


def _day_page(walk_in: WalkInForm, status: int = 200):
    points = desks.points()
    point = _chosen_point(points)
    the_day = _chosen_day()
    today = local_now().date()
    return render_template(
        "social_point/day.html",
        points=points,
        point=point,
        day=the_day,
        today=today,
        previous=the_day - timedelta(days=1),
        following=the_day + timedelta(days=1),
        bookings=records.day_bookings(point, the_day) if point else [],
        closed=next((c for c in point.closures if c.day == the_day), None) if point else None,
        errors=shown_errors(walk_in),
        values=shown_values(walk_in),
        confirm=ConfirmForm(),
        label=status_label,
        booked=BookingStatus.BOOKED.value,
    ), status


@blueprint.post("/operatore/giornata/accesso")
@allow(*STAFF)
def walk_in():
    """Someone came without an appointment: record them as received now, in one step."""
    points = desks.points()
    point = _chosen_point(points)
    if point is None:
        abort(404)
    form = WalkInForm()
    outcome = run_form(
        form,
        lambda: records.walk_in(
            point, signed_in_user().id, form.name.data, form.phone.data, form.topic.data
        ),
    )
    if not outcome.done:
        return _day_page(form, outcome.status)
    flash(_("Accesso registrato."), "success")
    return redirect(_day_url(point, local_now().date()))


ACTIONS = {
    "attended": _l("Segnato come svolto."),
    "no_show": _l("Segnato come non presentato."),
    "cancel": _l("Appuntamento disdetto."),
}


@blueprint.post("/operatore/appuntamenti/<int:booking_id>")
@allow(*STAFF)
def mark(booking_id: int):
    """Mark an appointment: the citizen came, did not come, or it is cancelled by the desk."""
    try:
        booking = records.staff_booking(booking_id)
    except NotFound:
        abort(404)
    back = _day_url(booking.point, booking.day)
    form = MarkForm()
    if not form.validate_on_submit():
        flash(_("Il modulo è scaduto o incompleto: nulla è cambiato, riprova."), "danger")
        return redirect(back)
    action = form.action.data
    try:
        if action == "cancel":
            services.cancel(booking, by_staff=True)
        else:
            records.mark(booking, action)
    except Conflict as error:
        flash(error.message, "danger")
        return redirect(back)
    flash(str(ACTIONS[action]), "success")
    return redirect(back + f"#appuntamento-{booking.id}")
