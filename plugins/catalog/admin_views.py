"""The staff's service pages: cooperative staff publish their cooperative's services, comune
staff their comune's public services, the district admin all of them. Someone else's service is
a 404, whatever its id."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from condiviso.plugin_api import (
    FORM_EXPIRED,
    ConfirmForm,
    NotFound,
    Role,
    allow,
    comuni_choices,
    run_form,
    signed_in_user,
)
from plugins.catalog import services
from plugins.catalog.forms import PRICE_KINDS, PROVIDER_TYPES, PhotoForm, ServiceForm, choices
from plugins.catalog.views import blueprint
from plugins.cooperatives import services as network

PUBLISHERS = (Role.DISTRICT_ADMIN, Role.COOPERATIVE_STAFF, Role.COMUNE_STAFF)


def _service_or_404(service_id: int):
    try:
        return services.editable_service(signed_in_user(), service_id)
    except NotFound:
        abort(404)


def _form(service=None) -> ServiceForm:
    user = signed_in_user()
    form = ServiceForm(obj=service) if service is not None else ServiceForm()
    if service is not None and not form.is_submitted():
        form.comuni.data = [c.id for c in service.comuni]
    cooperatives = network.cooperatives()
    if not user.has_role(Role.DISTRICT_ADMIN):
        own = {g.cooperative_id for g in user.grants if g.role == Role.COOPERATIVE_STAFF}
        cooperatives = [c for c in cooperatives if c.id in own]
    comuni = comuni_choices()
    own_comuni = None if user.has_role(Role.DISTRICT_ADMIN) else user.comune_scope()
    form.category_id.choices = choices(
        [("", _("Scegli una categoria")), *[(c.id, c.name) for c in network.categories()]]
    )
    form.cooperative_id.choices = choices(
        [("", _("Nessuna (servizio pubblico)")), *[(c.id, c.legal_name) for c in cooperatives]]
    )
    form.comune_id.choices = choices(
        [
            ("", _("Nessuno (servizio di una cooperativa)")),
            *[(i, n) for i, n in comuni if own_comuni is None or i in own_comuni],
        ]
    )
    form.comuni.choices = choices(comuni)
    return form


@blueprint.get("/admin/servizi")
@allow(*PUBLISHERS)
def admin_list():
    return render_template(
        "catalog/admin_list.html",
        services=services.services_to_edit(signed_in_user()),
        provider_labels=dict(PROVIDER_TYPES),
    )


def _edit_page(form, service, status=200, photo_errors=()):
    return render_template(
        "catalog/admin_edit.html",
        form=form,
        service=service,
        confirm=ConfirmForm(),
        price_kinds=dict(PRICE_KINDS),
        photo_errors=list(photo_errors),
    ), status


@blueprint.route("/admin/servizi/nuovo", methods=["GET", "POST"])
@allow(*PUBLISHERS)
def admin_create():
    form = _form()
    outcome = run_form(form, lambda: services.save_service(form.service_data(), signed_in_user()))
    if outcome.done:
        flash(_("Servizio salvato come bozza."), "success")
        return redirect(url_for("catalog.admin_edit", service_id=outcome.result.id))
    return _edit_page(form, None, outcome.status)


@blueprint.route("/admin/servizi/<int:service_id>", methods=["GET", "POST"])
@allow(*PUBLISHERS)
def admin_edit(service_id: int):
    service = _service_or_404(service_id)
    form = _form(service)
    outcome = run_form(
        form, lambda: services.save_service(form.service_data(), signed_in_user(), service)
    )
    if outcome.done:
        flash(_("Servizio salvato."), "success")
        return redirect(url_for("catalog.admin_edit", service_id=service_id))
    if form.is_submitted():
        service = _service_or_404(service_id)  # as stored: the refused change was rolled back
    return _edit_page(form, service, outcome.status)


def _change_status(service_id: int, status: str, message: str):
    service = _service_or_404(service_id)
    form = ConfirmForm()
    outcome = run_form(form, lambda: services.set_status(service, status, signed_in_user()))
    if outcome.done:
        flash(message, "success")
    else:
        for text in form.form_errors or [FORM_EXPIRED]:
            flash(text, "danger")
    return redirect(url_for("catalog.admin_edit", service_id=service_id))


@blueprint.post("/admin/servizi/<int:service_id>/pubblica")
@allow(*PUBLISHERS)
def admin_publish(service_id: int):
    return _change_status(service_id, "published", _("Servizio pubblicato."))


@blueprint.post("/admin/servizi/<int:service_id>/ritira")
@allow(*PUBLISHERS)
def admin_unpublish(service_id: int):
    return _change_status(service_id, "unpublished", _("Servizio ritirato dal catalogo."))


@blueprint.get("/admin/servizi/<int:service_id>/storia")
@allow(*PUBLISHERS)
def admin_history(service_id: int):
    service = _service_or_404(service_id)
    return render_template(
        "catalog/admin_history.html", service=service, changes=services.history(service)
    )


@blueprint.post("/admin/servizi/<int:service_id>/foto")
@allow(*PUBLISHERS)
def admin_photo(service_id: int):
    service = _service_or_404(service_id)
    form = PhotoForm()
    outcome = run_form(
        form,
        lambda: services.set_photo(
            service,
            None if form.remove.data else form.photo.data.read(services.MAX_PHOTO_BYTES + 1),
            signed_in_user(),
        ),
        error_field="photo",
    )
    if outcome.done:
        flash(_("Foto aggiornata."), "success")
        return redirect(url_for("catalog.admin_edit", service_id=service_id))
    service = _service_or_404(service_id)  # as stored: the refused change was rolled back
    edit_form = _form(service)
    if form.csrf_token.errors:
        edit_form.form_errors.append(FORM_EXPIRED)
    return _edit_page(edit_form, service, 400, photo_errors=form.photo.errors)
