"""The operator's pages (and the district admin's): find the citizen, open their file, record an
intake, build a plan with its services, move it on, make its requests, print it. Every page
works without JavaScript; each small form posts on its own."""

from __future__ import annotations

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
from flask_wtf import FlaskForm

from condiviso.plugin_api import (
    ConfirmForm,
    NotFound,
    allow,
    current_tenant,
    run_form,
    shown_errors,
    shown_values,
    signed_in_user,
    tenant_hook,
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


@blueprint.get("/admin/piani")
@allow(*CARE_STAFF)
def search():
    form = forms.SearchForm(request.args)
    results = people.find_citizens(form.q.data) if form.searched else []
    return render_template(
        "care_plans/search.html", query=form.q.data, results=results, searched=form.searched
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


def _intake_page(citizen, intake, form: FlaskForm, status: int):
    return render_template(
        "care_plans/intake.html",
        citizen=citizen,
        intake=intake,
        values=shown_values(form),
        errors=shown_errors(form),
        areas=forms.AREAS,
        levels=forms.choices(forms.LEVELS),
    ), status


@blueprint.route("/admin/piani/persone/<int:user_id>/colloqui/nuovo", methods=["GET", "POST"])
@allow(*CARE_STAFF)
def new_intake(user_id: int):
    citizen = _found(people.get_citizen, user_id)
    form = forms.intake_form()
    outcome = run_form(
        form, lambda: services.record_intake(signed_in_user(), citizen, form.intake_input())
    )
    if outcome.done:
        flash(_("Colloquio registrato."), "success")
        return redirect(url_for("care_plans.intake", intake_id=outcome.result.id))
    return _intake_page(citizen, None, form, outcome.status)


@blueprint.route("/admin/piani/colloqui/<int:intake_id>", methods=["GET", "POST"])
@allow(*CARE_STAFF)
def intake(intake_id: int):
    record = _found(services.staff_intake, signed_in_user(), intake_id)
    citizen = _found(people.get_citizen, record.citizen_user_id)
    form = forms.intake_form(record)
    outcome = run_form(
        form, lambda: services.update_intake(signed_in_user(), record, form.intake_input())
    )
    if outcome.done:
        flash(_("Colloquio aggiornato."), "success")
        return redirect(url_for("care_plans.intake", intake_id=intake_id))
    return _intake_page(citizen, record, form, outcome.status)


# -- plans -----------------------------------------------------------------------------------------


@blueprint.route("/admin/piani/persone/<int:user_id>/piani/nuovo", methods=["GET", "POST"])
@allow(*CARE_STAFF)
def new_plan(user_id: int):
    citizen = _found(people.get_citizen, user_id)
    form = forms.new_plan_form()
    outcome = run_form(
        form, lambda: services.start_plan(signed_in_user(), citizen, form.plan_input())
    )
    if outcome.done:
        flash(_("Piano creato in bozza: ora aggiungi i servizi."), "success")
        return redirect(url_for("care_plans.plan", plan_id=outcome.result.id))
    return render_template(
        "care_plans/new_plan.html",
        citizen=citizen,
        values=shown_values(form),
        errors=shown_errors(form),
    ), outcome.status


def _plan_page(plan, status: int = 200, plan_form=None, item_form=None, refusals=()):
    """The plan's page; after a refused post, the form that was sent shows why (`plan_form`,
    `item_form`), or `refusals` at the top say why an action was not done."""
    current = PlanStatus(plan.status)
    editable = current in EDITABLE_ITEMS
    if plan_form is None:
        plan_form = forms.plan_form(plan)
    if item_form is None:
        item_form = forms.item_form(services.includable_services() if editable else ())
    return render_template(
        "care_plans/plan.html",
        plan=plan,
        item_actions=_item_actions(plan),
        moves=[(s.value, forms.STATUSES[s]) for s in PlanStatus if s in TRANSITIONS[current]],
        items_editable=editable,
        requestable=current in REQUESTABLE,
        waiting=[i for i in plan.items if i.service_id and i.request_id is None],
        services_offered=[(c.value, c.label) for c in item_form.service_id.choices],
        funding=forms.FUNDING,
        funding_choices=forms.choices(forms.FUNDING),
        statuses=forms.STATUSES,
        plan_values=shown_values(plan_form),
        plan_errors=shown_errors(plan_form),
        item_values=shown_values(item_form),
        item_errors=shown_errors(item_form),
        action_errors=list(refusals),
    ), status


def _item_actions(plan) -> dict[int, list]:
    """What other plugins offer on each item of the plan (issue its voucher, say), as far as the
    person may use it."""
    tenant, user = current_tenant(), signed_in_user()
    return {
        item.id: [
            entry
            for result in tenant_hook("condiviso_record_actions", tenant)(
                tenant=tenant, record_type="care_plans.item", record=item
            )
            for entry in (result or ())
            if entry.visible_to(user)
        ]
        for item in plan.items
    }


def _refused(plan, form: FlaskForm, status: int, shown_on: str | None = None):
    """The plan's page after `form` was refused: a 400 on the fields of the form that was sent
    (`shown_on`, "plan_form" or "item_form"); anything else, and every refusal of a button, at
    the top of the page."""
    if shown_on is not None and status == 400:
        return _plan_page(plan, status, **{shown_on: form})
    messages = [message for messages in shown_errors(form).values() for message in messages]
    return _plan_page(plan, status, refusals=messages)


@blueprint.route("/admin/piani/<int:plan_id>", methods=["GET", "POST"])
@allow(*CARE_STAFF)
def plan(plan_id: int):
    record = _found(services.staff_plan, signed_in_user(), plan_id)
    if request.method == "GET":
        return _plan_page(record)
    form = forms.PlanForm(current_review=record.review_on)
    outcome = run_form(
        form, lambda: services.update_plan(signed_in_user(), record, form.plan_input())
    )
    if not outcome.done:
        return _refused(record, form, outcome.status, "plan_form")
    flash(_("Piano aggiornato."), "success")
    return redirect(url_for("care_plans.plan", plan_id=plan_id))


@blueprint.post("/admin/piani/<int:plan_id>/servizi")
@allow(*CARE_STAFF)
def add_item(plan_id: int):
    record = _found(services.staff_plan, signed_in_user(), plan_id)
    form = forms.ItemForm(offered=services.includable_services())
    outcome = run_form(form, lambda: services.add_item(signed_in_user(), record, form.item_input()))
    if not outcome.done:
        return _refused(record, form, outcome.status, "item_form")
    flash(_("Servizio aggiunto al piano."), "success")
    return redirect(url_for("care_plans.plan", plan_id=plan_id, _anchor="servizi"))


@blueprint.post("/admin/piani/<int:plan_id>/servizi/<int:item_id>/rimuovi")
@allow(*CARE_STAFF)
def remove_item(plan_id: int, item_id: int):
    record = _found(services.staff_plan, signed_in_user(), plan_id)
    form = ConfirmForm()
    outcome = run_form(form, lambda: services.remove_item(signed_in_user(), record, item_id))
    if not outcome.done:
        return _refused(record, form, outcome.status)
    flash(_("Servizio tolto dal piano."), "success")
    return redirect(url_for("care_plans.plan", plan_id=plan_id, _anchor="servizi"))


@blueprint.post("/admin/piani/<int:plan_id>/stato")
@allow(*CARE_STAFF)
def change_status(plan_id: int):
    record = _found(services.staff_plan, signed_in_user(), plan_id)
    form = forms.StatusForm()
    outcome = run_form(form, lambda: services.change_status(signed_in_user(), record, form.target))
    if not outcome.done:
        return _refused(record, form, outcome.status)
    flash(
        _("Ora il piano è «%(status)s».", status=forms.STATUSES[PlanStatus(record.status)]),
        "success",
    )
    return redirect(url_for("care_plans.plan", plan_id=plan_id))


@blueprint.post("/admin/piani/<int:plan_id>/richieste")
@allow(*CARE_STAFF)
def create_requests(plan_id: int):
    record = _found(services.staff_plan, signed_in_user(), plan_id)
    form = ConfirmForm()
    outcome = run_form(form, lambda: requesting.create_requests(signed_in_user(), record))
    if not outcome.done:
        return _refused(record, form, outcome.status)
    made = outcome.result
    if made.created:
        flash(
            _(
                "Richieste create: %(n)d. Chi offre i servizi le riceve ora.",
                n=len(made.created),
            ),
            "success",
        )
    else:
        flash(_("Nessuna nuova richiesta: ogni servizio del catalogo ha già la sua."), "info")
    for item in made.unavailable:
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
