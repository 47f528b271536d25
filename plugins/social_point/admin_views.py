"""The district admin's pages for the Social Points: the desks, their weekly opening hours, the
operators on duty each weekday, and the days they stay closed."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from condiviso.plugin_api import (
    ConfirmForm,
    Role,
    allow,
    comuni_choices,
    run_form,
    shown_errors,
    shown_values,
)
from plugins.social_point import desks
from plugins.social_point.blueprint import blueprint, point_or_404
from plugins.social_point.forms import (
    OPENINGS_PER_DAY,
    ClosureForm,
    DeskForm,
    closure_form,
    desk_form,
)
from plugins.social_point.models import Mode, SocialPoint
from plugins.social_point.notices import mode_label


def _edit_page(point: SocialPoint | None, desk: DeskForm, closure: ClosureForm, status: int):
    """A desk's page: its form, and for a desk already there its closures and their form."""
    return render_template(
        "social_point/admin_point.html",
        point=point,
        values=shown_values(desk),
        errors=shown_errors(desk),
        closure_errors=shown_errors(closure),
        closure_values=shown_values(closure),
        comuni=[("", _("Scegli il comune")), *desk.comuni],
        lengths=[(str(n), _("%(n)d minuti", n=n)) for n in desks.SLOT_LENGTHS],
        modes=[(m.value, mode_label(m.value)) for m in Mode],
        operators=desk.operators,
        weekdays=desks.weekday_names(),
        openings=range(OPENINGS_PER_DAY),
        confirm=ConfirmForm(),
        bookings_on=desks.bookings_on_closures(point) if point is not None else {},
    ), status


def _desk_form(point: SocialPoint | None, submitted: bool = True) -> DeskForm:
    return desk_form(point, comuni_choices(), desks.operators(), submitted)


@blueprint.get("/admin/social-point")
@allow(Role.DISTRICT_ADMIN)
def admin_points():
    return render_template("social_point/admin_points.html", points=desks.points(active_only=False))


def _save(point: SocialPoint | None):
    """Create or change a desk from its form; or the form again, with what to fix."""
    form = _desk_form(point)
    outcome = run_form(form, lambda: desks.save_point(form.point_data(), point))
    if outcome.done:
        flash(_("Social Point salvato."), "success")
        return redirect(url_for("social_point.admin_point", point_id=outcome.result.id))
    return _edit_page(point, form, closure_form(submitted=False), outcome.status)


@blueprint.route("/admin/social-point/nuovo", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def admin_point_create():
    return _save(None)


@blueprint.route("/admin/social-point/<int:point_id>", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def admin_point(point_id: int):
    return _save(point_or_404(point_id, active_only=False))


@blueprint.post("/admin/social-point/<int:point_id>/chiusure")
@allow(Role.DISTRICT_ADMIN)
def admin_add_closure(point_id: int):
    point = point_or_404(point_id, active_only=False)
    form = closure_form()
    outcome = run_form(form, lambda: desks.add_closure(point, form.day.data, form.reason.data))
    if not outcome.done:
        return _edit_page(point, _desk_form(point, submitted=False), form, outcome.status)
    flash(_("Chiusura aggiunta."), "success")
    affected = desks.bookings_on_closures(point).get(outcome.result.day, 0)
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
    outcome = run_form(ConfirmForm(), lambda: desks.remove_closure(point, closure_id))
    if outcome.status == 404:
        abort(404)
    if outcome.done:
        flash(_("Chiusura tolta: il Social Point riceve di nuovo in quel giorno."), "success")
    return redirect(url_for("social_point.admin_point", point_id=point.id) + "#chiusure")
