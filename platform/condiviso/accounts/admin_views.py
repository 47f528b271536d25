"""The district admin's pages: the administration home and the staff (invite, list, revoke)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from condiviso.accounts import staff
from condiviso.accounts.forms import InvitationForm
from condiviso.accounts.roles import STAFF_ROLES, Role, allow, role_label
from condiviso.errors import CondivisoError, InvalidInput
from condiviso.forms import ConfirmForm, attach_errors, invalid, select_choices
from condiviso.plugins import admin_entries
from condiviso.ratelimit import limited
from condiviso.tenancy import current_tenant
from condiviso.territory.services import comuni_choices

blueprint = Blueprint("staff_admin", __name__, url_prefix="/admin")


@blueprint.get("/")
@allow(*STAFF_ROLES)
def dashboard():
    """Where staff land: the administration pages their roles open."""
    return render_template("admin/dashboard.html", entries=admin_entries(current_tenant()))


def _invitation_form() -> InvitationForm:
    form = InvitationForm()
    form.role.choices = select_choices(
        [("", _("Scegli un ruolo")), *[(r.value, role_label(r)) for r in Role if r in STAFF_ROLES]]
    )
    form.comune_ids.choices = select_choices(comuni_choices())
    form.cooperative_id.choices = select_choices(
        [("", _("Nessuna")), *staff.staff_cooperatives().items()]
    )
    return form


def _staff_page(form: InvitationForm, status: int = 200):
    members = [
        (
            member,
            [(g, role_label(Role(g.role))) for g in member.grants if Role(g.role) in STAFF_ROLES],
        )
        for member in staff.staff_members()
    ]
    comuni = dict(comuni_choices())
    return render_template(
        "admin/staff.html",
        form=form,
        members=members,
        invitations=staff.pending_invitations(),
        comuni=comuni,
        cooperatives=staff.staff_cooperatives(),
        role_label=lambda value: role_label(Role(value)),
        confirm=ConfirmForm(),
    ), status


@blueprint.get("/personale")
@allow(Role.DISTRICT_ADMIN)
def staff_list():
    return _staff_page(_invitation_form())


@blueprint.post("/personale")
@allow(Role.DISTRICT_ADMIN)
@limited("20/minute", "200/day", scope="invite")
def invite():
    form = _invitation_form()
    if form.validate_on_submit():
        try:
            staff.invite(
                form.email.data,
                form.role.data,
                {"comuni": form.comune_ids.data, "cooperative": form.cooperative_id.data},
                inviter_label=current_user.full_name,
                inviter=current_user,
            )
        except InvalidInput as error:
            attach_errors(form, error)
        else:
            flash(_("Invito inviato a %(email)s.", email=form.email.data), "success")
            return redirect(url_for("staff_admin.staff_list"))
    return _staff_page(form, invalid(form))


@blueprint.post("/personale/ruoli/<int:grant_id>/revoca")
@allow(Role.DISTRICT_ADMIN)
def revoke_grant(grant_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            staff.revoke_grant(grant_id)
        except CondivisoError as error:
            flash(error.message, "danger")
        else:
            flash(_("Ruolo revocato."), "success")
    return redirect(url_for("staff_admin.staff_list"))


@blueprint.post("/personale/inviti/<int:invitation_id>/revoca")
@allow(Role.DISTRICT_ADMIN)
def revoke_invitation(invitation_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            staff.revoke_invitation(invitation_id)
        except CondivisoError as error:
            flash(error.message, "danger")
        else:
            flash(_("Invito revocato."), "success")
    return redirect(url_for("staff_admin.staff_list"))
