"""Citizens and guests find a Social Point, pick a free time and book it; then they see, move
or cancel their appointment. Operators book here too, on someone's behalf."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from condiviso.plugin_api import (
    Audience,
    ConfirmForm,
    NotFound,
    allow,
    invalid,
    limited,
    local_now,
    run_form,
    shown_errors,
    shown_values,
    signed_in_user,
)
from plugins.social_point import desks, notices, records, services
from plugins.social_point.blueprint import blueprint, is_staff, point_or_404, status_label
from plugins.social_point.forms import booking_form, move_form
from plugins.social_point.models import Booking, SocialPoint

DAYS_SHOWN = 7


def _first_day() -> date:
    """The first day shown (`?dal=2026-12-03`), never before today."""
    today = local_now().date()
    try:
        asked = date.fromisoformat(request.args.get("dal", "")[:10])
    except ValueError:
        return today
    return min(max(asked, today), today + timedelta(days=services.MAX_DAYS_AHEAD))


@blueprint.get("/social-point")
@allow(Audience.EVERYONE)
def points():
    return render_template("social_point/points.html", points=desks.points())


def slot_page(point: SocialPoint, slot_link, moving: Booking | None = None):
    """The desk with its free times for a week; `slot_link(slot)` is where each time leads."""
    first = _first_day()
    last = first + timedelta(days=DAYS_SHOWN - 1)
    by_day: dict[date, list[services.Slot]] = {}
    for slot in services.free_slots(point, first, last):
        by_day.setdefault(slot.day, []).append(slot)
    today = local_now().date()
    return render_template(
        "social_point/point.html",
        point=point,
        by_day=by_day,
        first=first,
        last=last,
        previous=first - timedelta(days=DAYS_SHOWN) if first > today else None,
        following=last + timedelta(days=1)
        if last < today + timedelta(days=services.MAX_DAYS_AHEAD)
        else None,
        slot_link=slot_link,
        moving=moving,
    )


@blueprint.get("/social-point/<int:point_id>")
@allow(Audience.EVERYONE)
def point(point_id: int):
    desk = point_or_404(point_id)
    return slot_page(
        desk, lambda slot: url_for("social_point.book", point_id=desk.id, orario=slot.key)
    )


@blueprint.route("/social-point/<int:point_id>/prenota", methods=["GET", "POST"])
@allow(Audience.EVERYONE)
@limited("10/minute", "40/hour", scope="social-point-booking")
def book(point_id: int):
    """Confirm a time picked on the desk's page: for oneself, as a guest, or (staff) for
    someone else."""
    desk = point_or_404(point_id)
    user = signed_in_user()
    form = booking_form(desk, staff=is_staff(), signed_in=user is not None)
    when = services.parse_slot(form.slot.data)
    if when is None:
        flash(_("Scegli un giorno e un orario dall'elenco."), "warning")
        return redirect(url_for("social_point.point", point_id=desk.id))
    user_id = user.id if user else None
    outcome = run_form(
        form,
        lambda: services.book(
            desk,
            form.slot.data,
            form.mode.data,
            form.who(user_id),
            booked_by=user_id,
            topic=form.topic.data or None,
        ),
        error_field="slot",
    )
    if outcome.done:
        return _booked(outcome.result)
    return render_template(
        "social_point/book.html",
        point=desk,
        slot_key=form.slot.data,
        day=when[0],
        start=when[1],
        errors=shown_errors(form),
        values=shown_values(form),
        confirm=form,
        staff=is_staff(),
    ), invalid(form)


def _booked(booking: Booking):
    if is_staff():
        flash(_("Appuntamento prenotato."), "success")
        return redirect(
            url_for(
                "social_point.day",
                sportello=booking.point_id,
                giorno=booking.day.isoformat(),
            )
        )
    if booking.citizen_user_id is not None:
        flash(_("Appuntamento prenotato."), "success")
        return redirect(url_for("social_point.my_booking", booking_id=booking.id))
    return redirect(
        url_for(
            "social_point.guest_booking", booking_id=booking.id, token=booking.guest_token, nuovo=1
        )
    )


# -- the citizen's appointments ------------------------------------------------------------------


@blueprint.get("/i-miei-appuntamenti")
@allow(Audience.SIGNED_IN)
def my_bookings():
    today = local_now().date()
    items = records.citizen_bookings(signed_in_user().id)
    upcoming = [b for b in reversed(items) if b.day >= today and b.status == "booked"]
    past = [b for b in items if b not in upcoming]
    return render_template(
        "social_point/my_bookings.html", upcoming=upcoming, past=past, label=status_label
    )


def _citizen_booking(booking_id: int) -> Booking:
    try:
        return records.citizen_booking(signed_in_user().id, booking_id)
    except NotFound:
        abort(404)


def _guest_booking(booking_id: int, token: str) -> Booking:
    try:
        return records.guest_booking(booking_id, token[:64])
    except NotFound:
        abort(404)


def _booking_page(booking: Booking, links: dict[str, str]):
    """One appointment, with cancel and move while the notice allows, for its citizen or guest."""
    form = ConfirmForm()
    if run_form(form, lambda: services.cancel(booking)).done:
        flash(_("Appuntamento disdetto."), "success")
        return redirect(links["self"])
    return render_template(
        "social_point/booking.html",
        booking=booking,
        point=booking.point,
        links=links,
        errors=shown_errors(form),
        confirm=form,
        changeable=services.changeable(booking),
        label=status_label,
        new=request.args.get("nuovo") == "1",
    ), invalid(form)


@blueprint.route("/i-miei-appuntamenti/<int:booking_id>", methods=["GET", "POST"])
@allow(Audience.SIGNED_IN)
def my_booking(booking_id: int):
    booking = _citizen_booking(booking_id)
    return _booking_page(
        booking,
        {
            "self": url_for("social_point.my_booking", booking_id=booking.id),
            "move": url_for("social_point.move_mine", booking_id=booking.id),
            "ics": url_for("social_point.my_calendar", booking_id=booking.id),
        },
    )


@blueprint.route("/appuntamenti/<int:booking_id>/<token>", methods=["GET", "POST"])
@allow(Audience.EVERYONE)
@limited("20/minute", scope="social-point-guest", methods=("GET", "POST"))
def guest_booking(booking_id: int, token: str):
    booking = _guest_booking(booking_id, token)
    return _booking_page(
        booking,
        {
            "self": url_for("social_point.guest_booking", booking_id=booking.id, token=token),
            "move": url_for("social_point.move_guest", booking_id=booking.id, token=token),
            "ics": url_for("social_point.guest_calendar", booking_id=booking.id, token=token),
        },
    )


def _move(booking: Booking, self_link):
    """Pick a new time (the desk's week of slots), then confirm it: the new time is booked
    first, and the old one is freed only if that worked."""
    if not services.changeable(booking):
        flash(
            _("Questo appuntamento non si può più spostare: telefona al Social Point."), "warning"
        )
        return redirect(self_link(booking))
    form = move_form()
    if form.slot.data is None:
        return slot_page(
            booking.point,
            lambda slot: f"{request.path}?orario={slot.key}",
            moving=booking,
        )
    when = services.parse_slot(form.slot.data)
    if when is None:
        return redirect(request.path)
    outcome = run_form(form, lambda: services.move(booking, form.slot.data), error_field="slot")
    if outcome.done:
        flash(_("Appuntamento spostato."), "success")
        return redirect(self_link(outcome.result))
    return render_template(
        "social_point/move.html",
        booking=booking,
        point=booking.point,
        slot_key=form.slot.data,
        day=when[0],
        start=when[1],
        errors=shown_errors(form),
        confirm=form,
        back=self_link(booking),
    ), invalid(form)


@blueprint.route("/i-miei-appuntamenti/<int:booking_id>/sposta", methods=["GET", "POST"])
@allow(Audience.SIGNED_IN)
@limited("10/minute", scope="social-point-move")
def move_mine(booking_id: int):
    return _move(
        _citizen_booking(booking_id),
        lambda b: url_for("social_point.my_booking", booking_id=b.id),
    )


@blueprint.route("/appuntamenti/<int:booking_id>/<token>/sposta", methods=["GET", "POST"])
@allow(Audience.EVERYONE)
@limited("10/minute", scope="social-point-move")
def move_guest(booking_id: int, token: str):
    return _move(
        _guest_booking(booking_id, token),
        lambda b: url_for("social_point.guest_booking", booking_id=b.id, token=token),
    )


def _calendar(booking: Booking) -> Response:
    return Response(
        notices.calendar_file(booking),
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="appuntamento.ics"'},
    )


@blueprint.get("/i-miei-appuntamenti/<int:booking_id>/calendario.ics")
@allow(Audience.SIGNED_IN)
def my_calendar(booking_id: int):
    return _calendar(_citizen_booking(booking_id))


@blueprint.get("/appuntamenti/<int:booking_id>/<token>/calendario.ics")
@allow(Audience.EVERYONE)
def guest_calendar(booking_id: int, token: str):
    return _calendar(_guest_booking(booking_id, token))
