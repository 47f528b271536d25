"""Citizens ask for a service and follow their requests; staff answer from their inbox."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from condiviso.plugin_api import (
    Audience,
    NotFound,
    Role,
    allow,
    comuni_choices,
    invalid,
    limited,
    run_form,
    shown_errors,
    shown_values,
    signed_in_user,
)
from plugins.catalog.finding import published_service
from plugins.requests import forms, services
from plugins.requests.models import TRANSITIONS, Status
from plugins.requests.notices import status_label

blueprint = Blueprint("requests", __name__, template_folder="templates")
DESKS = (Role.DISTRICT_ADMIN, Role.COOPERATIVE_STAFF, Role.COMUNE_STAFF)


@blueprint.route("/servizi/<slug>/richiedi", methods=["GET", "POST"])
@allow(Audience.EVERYONE)
@limited("5/minute", "30/hour", scope="service-request")
def ask(slug: str):
    service = published_service(slug[:100])
    user = signed_in_user()
    form = forms.request_form(user)
    outcome = run_form(
        form,
        lambda: services.create_request(service, user, form.request_input(), form.submission.data),
    )
    if outcome.done:
        created = outcome.result
        return redirect(
            url_for("requests.sent", request_id=created.id, token=created.submission_token)
        )
    return render_template(
        "requests/ask.html",
        service=service,
        form=form,
        errors=shown_errors(form),
        values=shown_values(form),
    ), outcome.status


@blueprint.get("/richieste/inviata/<int:request_id>/<token>")
@allow(Audience.EVERYONE)
def sent(request_id: int, token: str):
    """The confirmation page (the key proves the visitor sent it; nothing personal shown)."""
    try:
        item = services.sent_request(request_id, token[:64])
    except NotFound:
        abort(404)
    return render_template("requests/sent.html", item=item)


@blueprint.get("/le-mie-richieste")
@allow(Audience.SIGNED_IN)
def mine():
    return render_template(
        "requests/mine.html",
        items=services.my_requests(signed_in_user()),
        label=status_label,
    )


@blueprint.route("/le-mie-richieste/<int:request_id>", methods=["GET", "POST"])
@allow(Audience.SIGNED_IN)
def my_request(request_id: int):
    user = signed_in_user()
    try:
        item = services.my_request(user, request_id)
    except NotFound:
        abort(404)
    form = forms.CitizenForm()
    outcome = run_form(
        form,
        lambda: (
            services.cancel(item, user)
            if form.cancelling
            else services.add_message(item, user, form.body.data, from_staff=False)
        ),
    )
    if outcome.done:
        flash(_("Richiesta annullata.") if form.cancelling else _("Messaggio inviato."), "success")
        return redirect(url_for("requests.my_request", request_id=item.id))
    return render_template(
        "requests/my_request.html",
        item=item,
        form=form,
        errors=shown_errors(form),
        label=status_label,
        cancellable=Status.CANCELLED in TRANSITIONS[Status(item.status)],
    ), invalid(form)


@blueprint.get("/admin/richieste")
@allow(*DESKS)
def inbox():
    form = forms.InboxForm(request.args)
    filters = form.filters()
    items, total = services.inbox(signed_in_user(), filters, form.page.data)
    return render_template(
        "requests/inbox.html",
        items=items,
        total=total,
        page=form.page.data,
        filters=filters,
        statuses=[(s.value, status_label(s)) for s in Status],
        comuni=comuni_choices(),
        label=status_label,
    )


@blueprint.route("/admin/richieste/<int:request_id>", methods=["GET", "POST"])
@allow(*DESKS)
def desk_request(request_id: int):
    user = signed_in_user()
    try:
        item = services.staff_request(user, request_id)
    except NotFound:
        abort(404)
    form = forms.DeskForm()
    outcome = run_form(
        form,
        lambda: (
            services.change_status(item, user, form.target, form.reason.data)
            if form.moving
            else services.add_message(item, user, form.body.data, from_staff=True)
        ),
    )
    if outcome.done:
        flash(
            _("Stato aggiornato: il cittadino riceve un'e-mail.")
            if form.moving
            else _("Risposta inviata."),
            "success",
        )
        return redirect(url_for("requests.desk_request", request_id=item.id))
    moves = [
        (s.value, status_label(s))
        for s in TRANSITIONS[Status(item.status)]
        if s is not Status.CANCELLED
    ]
    return render_template(
        "requests/desk_request.html",
        item=item,
        form=form,
        errors=shown_errors(form),
        moves=sorted(moves),
        label=status_label,
    ), invalid(form)
