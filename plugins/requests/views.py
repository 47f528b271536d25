"""Citizens ask for a service and follow their requests; staff answer from their inbox."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from condiviso.plugin_api import (
    Audience,
    CondivisoError,
    ConfirmForm,
    InvalidInput,
    NotFound,
    Role,
    allow,
    comuni_choices,
    expired_form,
    limited,
    signed_in_user,
)
from plugins.catalog.finding import published_service
from plugins.requests import services
from plugins.requests.models import TRANSITIONS, Status

blueprint = Blueprint("requests", __name__, template_folder="templates")
DESKS = (Role.DISTRICT_ADMIN, Role.COOPERATIVE_STAFF, Role.COMUNE_STAFF)


@blueprint.route("/servizi/<slug>/richiedi", methods=["GET", "POST"])
@allow(Audience.EVERYONE)
@limited("5/minute", "30/hour", scope="service-request")
def ask(slug: str):
    service = published_service(slug[:100])
    errors: dict[str, list[str]] = {}
    values = request.form if request.method == "POST" else {}
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            errors.update(expired_form())
        else:
            try:
                created = services.create_request(
                    service, signed_in_user(), request.form, request.form.get("submission", "")
                )
            except InvalidInput as error:
                errors = error.errors
            else:
                return redirect(
                    url_for("requests.sent", request_id=created.id, token=created.submission_token)
                )
    return render_template(
        "requests/ask.html",
        service=service,
        errors=errors,
        values=values,
        submission=values.get("submission") or secrets.token_urlsafe(24),
        confirm=ConfirmForm(),
    ), 400 if errors else 200


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
        label=services.status_label,
    )


@blueprint.route("/le-mie-richieste/<int:request_id>", methods=["GET", "POST"])
@allow(Audience.SIGNED_IN)
def my_request(request_id: int):
    try:
        item = services.my_request(signed_in_user(), request_id)
    except NotFound:
        abort(404)
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and ConfirmForm().validate_on_submit():
        try:
            if request.form.get("action") == "cancel":
                services.cancel(item, signed_in_user())
                flash(_("Richiesta annullata."), "success")
            else:
                services.add_message(item, signed_in_user(), request.form.get("body", ""), False)
                flash(_("Messaggio inviato."), "success")
        except InvalidInput as error:
            errors = error.errors
        except CondivisoError as error:
            errors = {"_schema": [error.message]}
        else:
            return redirect(url_for("requests.my_request", request_id=item.id))
    return render_template(
        "requests/my_request.html",
        item=item,
        errors=errors,
        confirm=ConfirmForm(),
        label=services.status_label,
        cancellable=Status.CANCELLED in TRANSITIONS[Status(item.status)],
    ), 400 if errors else 200


def _int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@blueprint.get("/admin/richieste")
@allow(*DESKS)
def inbox():
    status = request.args.get("stato")
    filters = services.InboxFilters(
        status=status if status in {s.value for s in Status} else None,
        service_id=_int("servizio"),
        comune_id=_int("comune"),
        older_than_days=_int("giorni"),
        service_words=request.args.get("titolo", "")[:80] or None,
    )
    page = max(1, min(_int("pagina") or 1, 10000))
    items, total = services.inbox(signed_in_user(), filters, page)

    return render_template(
        "requests/inbox.html",
        items=items,
        total=total,
        page=page,
        filters=filters,
        statuses=[(s.value, services.status_label(s)) for s in Status],
        comuni=comuni_choices(),
        label=services.status_label,
    )


@blueprint.route("/admin/richieste/<int:request_id>", methods=["GET", "POST"])
@allow(*DESKS)
def desk_request(request_id: int):
    try:
        item = services.staff_request(signed_in_user(), request_id)
    except NotFound:
        abort(404)
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and ConfirmForm().validate_on_submit():
        try:
            if request.form.get("action") == "status":
                services.change_status(
                    item,
                    signed_in_user(),
                    request.form.get("status", ""),
                    request.form.get("reason"),
                )
                flash(_("Stato aggiornato: il cittadino riceve un'e-mail."), "success")
            else:
                services.add_message(item, signed_in_user(), request.form.get("body", ""), True)
                flash(_("Risposta inviata."), "success")
        except InvalidInput as error:
            errors = error.errors
        except CondivisoError as error:
            errors = {"_schema": [error.message]}
        else:
            return redirect(url_for("requests.desk_request", request_id=item.id))
    moves = [
        (s.value, services.status_label(s))
        for s in TRANSITIONS[Status(item.status)]
        if s is not Status.CANCELLED
    ]
    return render_template(
        "requests/desk_request.html",
        item=item,
        errors=errors,
        confirm=ConfirmForm(),
        moves=sorted(moves),
        label=services.status_label,
    ), 400 if errors else 200
