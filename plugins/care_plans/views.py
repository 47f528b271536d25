"""The operator's pages (and the district admin's): find the citizen, open their file, record an
intake, build a plan with its services, move it on, make its requests, print it. Every page
works without JavaScript; each small form posts on its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from condiviso.plugin_api import (
    CondivisoError,
    ConfirmForm,
    InvalidInput,
    NotFound,
    allow,
    current_tenant,
    db,
    expired_form,
    signed_in_user,
    today,
)
from plugins.care_plans import forms, people, requesting, services
from plugins.care_plans.documents import pdf_filename, plan_pdf
from plugins.care_plans.models import EDITABLE_ITEMS, REQUESTABLE, TRANSITIONS, PlanStatus

blueprint = Blueprint("care_plans", __name__, template_folder="templates")
CARE_STAFF = services.CARE_STAFF


def _found(load, *args):
    """What `load` returns, or a 404 page for a record that is not there (or not theirs)."""
    try:
        return load(*args)
    except NotFound:
        abort(404)


def _submitted() -> bool:
    return ConfirmForm().validate_on_submit()


def _save(save: Callable[[], Any]) -> tuple[Any, dict[str, list[str]]]:
    """Run `save` for a form sent with a valid token: (what it returned, {}), or (None, the
    errors) with nothing saved."""
    if not _submitted():
        return None, expired_form()
    try:
        return save(), {}
    except InvalidInput as error:
        db.session.rollback()
        return None, error.errors


@blueprint.get("/admin/piani")
@allow(*CARE_STAFF)
def search():
    query = request.args.get("q", "")[: people.QUERY_MAX]
    results = people.find_citizens(query) if query.strip() else []
    return render_template(
        "care_plans/search.html", query=query, results=results, searched=bool(query.strip())
    )


@blueprint.get("/admin/piani/persone/<int:user_id>")
@allow(*CARE_STAFF)
def citizen_file(user_id: int):
    citizen = _found(people.get_citizen, user_id)
    intakes, plans = services.citizen_file(signed_in_user(), citizen)
    return render_template(
        "care_plans/file.html",
        citizen=citizen,
        intakes=intakes,
        plans=plans,
        statuses=forms.STATUSES,
    )


# -- intakes ---------------------------------------------------------------------------------------


def _intake_values(intake) -> dict[str, str]:
    values = {"held_on": intake.held_on.isoformat(), "notes": intake.notes or ""}
    for need in intake.need_list:
        values[f"level_{need.area.value}"] = need.level.value
        values[f"notes_{need.area.value}"] = need.notes or ""
    return values


def _intake_page(citizen, intake, values, errors):
    return render_template(
        "care_plans/intake.html",
        citizen=citizen,
        intake=intake,
        values=values,
        errors=errors,
        areas=forms.AREAS,
        levels=forms.choices(forms.LEVELS),
        confirm=ConfirmForm(),
    ), 400 if errors else 200


@blueprint.route("/admin/piani/persone/<int:user_id>/colloqui/nuovo", methods=["GET", "POST"])
@allow(*CARE_STAFF)
def new_intake(user_id: int):
    citizen = _found(people.get_citizen, user_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        intake, errors = _save(
            lambda: services.record_intake(signed_in_user(), citizen, request.form)
        )
        if not errors:
            flash(_("Colloquio registrato."), "success")
            return redirect(url_for("care_plans.intake", intake_id=intake.id))
    values = request.form if request.method == "POST" else {"held_on": today().isoformat()}
    return _intake_page(citizen, None, values, errors)


@blueprint.route("/admin/piani/colloqui/<int:intake_id>", methods=["GET", "POST"])
@allow(*CARE_STAFF)
def intake(intake_id: int):
    record = _found(services.staff_intake, signed_in_user(), intake_id)
    citizen = _found(people.get_citizen, record.citizen_user_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        _saved, errors = _save(
            lambda: services.update_intake(signed_in_user(), record, request.form)
        )
        if not errors:
            flash(_("Colloquio aggiornato."), "success")
            return redirect(url_for("care_plans.intake", intake_id=intake_id))
    values = request.form if request.method == "POST" else _intake_values(record)
    return _intake_page(citizen, record, values, errors)


# -- plans -----------------------------------------------------------------------------------------


@blueprint.route("/admin/piani/persone/<int:user_id>/piani/nuovo", methods=["GET", "POST"])
@allow(*CARE_STAFF)
def new_plan(user_id: int):
    citizen = _found(people.get_citizen, user_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        plan, errors = _save(lambda: services.start_plan(signed_in_user(), citizen, request.form))
        if not errors:
            flash(_("Piano creato in bozza: ora aggiungi i servizi."), "success")
            return redirect(url_for("care_plans.plan", plan_id=plan.id))
    values = (
        request.form
        if request.method == "POST"
        else {"review_on": (today() + timedelta(days=90)).isoformat()}
    )
    return render_template(
        "care_plans/new_plan.html",
        citizen=citizen,
        values=values,
        errors=errors,
        confirm=ConfirmForm(),
    ), 400 if errors else 200


def _plan_page(plan, code: int = 200, **forms_state):
    """The plan's page; `forms_state` carries one form's values and errors after a failed post
    (`plan_values`/`plan_errors`, `item_values`/`item_errors`, `action_errors`)."""
    state = {
        "plan_values": {
            "review_on": plan.review_on.isoformat(),
            "goals": plan.goals or "",
            "notes": plan.notes or "",
        },
        "plan_errors": {},
        "item_values": {"funding": "comune"},
        "item_errors": {},
        "action_errors": [],
        **forms_state,
    }
    status = PlanStatus(plan.status)
    return render_template(
        "care_plans/plan.html",
        plan=plan,
        moves=[(s.value, forms.STATUSES[s]) for s in PlanStatus if s in TRANSITIONS[status]],
        items_editable=status in EDITABLE_ITEMS,
        requestable=status in REQUESTABLE,
        waiting=[i for i in plan.items if i.service_id and i.request_id is None],
        services_offered=forms.service_choices() if status in EDITABLE_ITEMS else [],
        funding=forms.FUNDING,
        funding_choices=forms.choices(forms.FUNDING),
        statuses=forms.STATUSES,
        confirm=ConfirmForm(),
        **state,
    ), code


def _action_failed(plan, error: CondivisoError):
    db.session.rollback()
    messages = (
        [m for ms in error.errors.values() for m in ms]
        if isinstance(error, InvalidInput)
        else [error.message]
    )
    return _plan_page(
        services.staff_plan(signed_in_user(), plan.id), error.status, action_errors=messages
    )


@blueprint.route("/admin/piani/<int:plan_id>", methods=["GET", "POST"])
@allow(*CARE_STAFF)
def plan(plan_id: int):
    record = _found(services.staff_plan, signed_in_user(), plan_id)
    if request.method == "GET":
        return _plan_page(record)
    if not _submitted():
        return _plan_page(record, 400, plan_values=request.form, plan_errors=expired_form())
    try:
        services.update_plan(signed_in_user(), record, request.form)
    except InvalidInput as error:
        db.session.rollback()
        return _plan_page(record, 400, plan_values=request.form, plan_errors=error.errors)
    except CondivisoError as error:
        return _action_failed(record, error)
    flash(_("Piano aggiornato."), "success")
    return redirect(url_for("care_plans.plan", plan_id=plan_id))


@blueprint.post("/admin/piani/<int:plan_id>/servizi")
@allow(*CARE_STAFF)
def add_item(plan_id: int):
    record = _found(services.staff_plan, signed_in_user(), plan_id)
    if not _submitted():
        return _plan_page(record, 400, item_values=request.form, item_errors=expired_form())
    try:
        services.add_item(signed_in_user(), record, request.form)
    except InvalidInput as error:
        db.session.rollback()
        record = services.staff_plan(signed_in_user(), plan_id)
        return _plan_page(record, 400, item_values=request.form, item_errors=error.errors)
    except CondivisoError as error:
        return _action_failed(record, error)
    flash(_("Servizio aggiunto al piano."), "success")
    return redirect(url_for("care_plans.plan", plan_id=plan_id, _anchor="servizi"))


@blueprint.post("/admin/piani/<int:plan_id>/servizi/<int:item_id>/rimuovi")
@allow(*CARE_STAFF)
def remove_item(plan_id: int, item_id: int):
    record = _found(services.staff_plan, signed_in_user(), plan_id)
    if not _submitted():
        return _plan_page(record, 400, action_errors=expired_form()["_schema"])
    try:
        services.remove_item(signed_in_user(), record, item_id)
    except CondivisoError as error:
        return _action_failed(record, error)
    flash(_("Servizio tolto dal piano."), "success")
    return redirect(url_for("care_plans.plan", plan_id=plan_id, _anchor="servizi"))


@blueprint.post("/admin/piani/<int:plan_id>/stato")
@allow(*CARE_STAFF)
def change_status(plan_id: int):
    record = _found(services.staff_plan, signed_in_user(), plan_id)
    if not _submitted():
        return _plan_page(record, 400, action_errors=expired_form()["_schema"])
    try:
        services.change_status(signed_in_user(), record, request.form.get("status"))
    except CondivisoError as error:
        return _action_failed(record, error)
    flash(
        _("Ora il piano è «%(status)s».", status=forms.STATUSES[PlanStatus(record.status)]),
        "success",
    )
    return redirect(url_for("care_plans.plan", plan_id=plan_id))


@blueprint.post("/admin/piani/<int:plan_id>/richieste")
@allow(*CARE_STAFF)
def create_requests(plan_id: int):
    record = _found(services.staff_plan, signed_in_user(), plan_id)
    if not _submitted():
        return _plan_page(record, 400, action_errors=expired_form()["_schema"])
    try:
        outcome = requesting.create_requests(signed_in_user(), record)
    except CondivisoError as error:
        return _action_failed(record, error)
    if outcome.created:
        flash(
            _(
                "Richieste create: %(n)d. Chi offre i servizi le riceve ora.",
                n=len(outcome.created),
            ),
            "success",
        )
    else:
        flash(_("Nessuna nuova richiesta: ogni servizio del catalogo ha già la sua."), "info")
    for item in outcome.unavailable:
        flash(
            _("«%(title)s» non è più nel catalogo: nessuna richiesta creata.", title=item.title),
            "danger",
        )
    return redirect(url_for("care_plans.plan", plan_id=plan_id, _anchor="servizi"))


def pdf_response(record):
    """The plan's PDF as a download nobody caches."""
    response = current_app.response_class(
        plan_pdf(record, current_tenant().display_name), mimetype="application/pdf"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{pdf_filename(record)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/admin/piani/<int:plan_id>/pdf")
@allow(*CARE_STAFF)
def plan_document(plan_id: int):
    return pdf_response(_found(services.staff_plan, signed_in_user(), plan_id, "pdf"))
