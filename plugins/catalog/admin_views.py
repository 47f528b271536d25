"""The staff's service pages: cooperative staff publish their cooperative's services, comune
staff their comune's public services, the district admin all of them. Someone else's service is
a 404, whatever its id."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from condiviso.plugin_api import (
    FORM_EXPIRED,
    ConfirmForm,
    InvalidInput,
    NotFound,
    Role,
    allow,
    attach_errors,
    comuni_choices,
    db,
    invalid,
    signed_in_user,
)
from plugins.catalog import services
from plugins.catalog.forms import PRICE_KINDS, PROVIDER_TYPES, ServiceForm, choices
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
    rows = db.session.scalars(services.editable_services(signed_in_user())).all()
    return render_template(
        "catalog/admin_list.html", services=rows, provider_labels=dict(PROVIDER_TYPES)
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
    if form.validate_on_submit():
        try:
            service = services.save_service(form.service_data(), signed_in_user())
        except InvalidInput as error:
            db.session.rollback()
            attach_errors(form, error)
        else:
            db.session.commit()
            flash(_("Servizio salvato come bozza."), "success")
            return redirect(url_for("catalog.admin_edit", service_id=service.id))
    return _edit_page(form, None, invalid(form))


@blueprint.route("/admin/servizi/<int:service_id>", methods=["GET", "POST"])
@allow(*PUBLISHERS)
def admin_edit(service_id: int):
    service = _service_or_404(service_id)
    form = _form(service)
    if form.validate_on_submit():
        try:
            services.save_service(form.service_data(), signed_in_user(), service)
        except InvalidInput as error:
            db.session.rollback()
            service = _service_or_404(service_id)
            attach_errors(form, error)
        else:
            db.session.commit()
            flash(_("Servizio salvato."), "success")
            return redirect(url_for("catalog.admin_edit", service_id=service.id))
    return _edit_page(form, service, invalid(form))


def _change_status(service_id: int, status: str, message: str):
    service = _service_or_404(service_id)
    if not ConfirmForm().validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return redirect(url_for("catalog.admin_edit", service_id=service_id))
    try:
        services.set_status(service, status, signed_in_user())
    except InvalidInput as error:
        db.session.rollback()
        for messages in error.errors.values():
            for text in messages:
                flash(text, "danger")
    else:
        db.session.commit()
        flash(message, "success")
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
    form = _form(service)
    upload = request.files.get("photo")
    if not ConfirmForm().validate_on_submit():
        form.form_errors.append(FORM_EXPIRED)
        return _edit_page(form, service, 400)
    try:
        if request.form.get("remove"):
            services.set_photo(service, None, signed_in_user())
        elif upload is None or not upload.filename:
            raise InvalidInput({"photo": [_("Scegli il file della foto.")]})
        else:
            services.set_photo(service, upload.read(services.MAX_PHOTO_BYTES + 1), signed_in_user())
    except InvalidInput as error:
        db.session.rollback()
        service = _service_or_404(service_id)
        return _edit_page(_form(service), service, 400, photo_errors=error.errors["photo"])
    db.session.commit()
    flash(_("Foto aggiornata."), "success")
    return redirect(url_for("catalog.admin_edit", service_id=service_id))
