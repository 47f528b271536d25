"""The district admin's branding pages: the settings form (built from the settings schema) and
the logo."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from condiviso.plugin_api import (
    FORM_EXPIRED,
    ConfirmForm,
    InvalidInput,
    Role,
    allow,
    build_form,
    current_tenant,
    expired_form,
    parse_form,
    run_form,
    set_plugin,
)
from plugins.branding import services
from plugins.branding.forms import LogoForm
from plugins.branding.schemas import BrandingSettings
from plugins.branding.views import blueprint

NAME = "branding"


def _actor() -> str:
    return f"district-admin:{current_user.email}"


def _page(errors: dict, values: dict, status: int = 200):
    return render_template(
        "branding/admin.html",
        items=build_form(BrandingSettings(), values, errors),
        errors=errors,
        settings=dict(current_tenant().plugins.get(NAME, {})),
        confirm=ConfirmForm(),
    ), status


@blueprint.get("/admin/aspetto")
@allow(Role.DISTRICT_ADMIN)
def settings():
    return _page({}, dict(current_tenant().plugins.get(NAME, {})))


@blueprint.post("/admin/aspetto")
@allow(Role.DISTRICT_ADMIN)
def save_settings():
    submitted = parse_form(BrandingSettings(), request.form)
    current = dict(current_tenant().plugins.get(NAME, {}))
    if not ConfirmForm().validate_on_submit():
        return _page(expired_form(), submitted, 400)
    try:
        set_plugin(
            current_tenant().slug, NAME, _actor(), True, {**submitted, "logo": current.get("logo")}
        )
    except InvalidInput as error:
        return _page(error.errors, submitted, 400)
    flash(_("Aspetto del portale salvato."), "success")
    return redirect(url_for("branding.settings"))


@blueprint.post("/admin/aspetto/logo")
@allow(Role.DISTRICT_ADMIN)
def upload_logo():
    form = LogoForm()
    outcome = run_form(
        form,
        lambda: services.replace_logo(
            form.logo.data.read(1024 * 1024 + 1), form.logo.data.filename, _actor()
        ),
        error_field="logo",
    )
    if not outcome.done:
        errors = {"logo": form.logo.errors or form.form_errors or [FORM_EXPIRED]}
        return _page(errors, dict(current_tenant().plugins.get(NAME, {})), 400)
    flash(_("Logo aggiornato."), "success")
    return redirect(url_for("branding.settings"))


@blueprint.post("/admin/aspetto/logo/rimuovi")
@allow(Role.DISTRICT_ADMIN)
def remove_logo():
    if run_form(ConfirmForm(), lambda: services.remove_logo(_actor())).done:
        flash(_("Logo rimosso."), "success")
    return redirect(url_for("branding.settings"))
