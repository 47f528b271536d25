"""Citizens' and staff's own account pages on the district's portal."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from condiviso.accounts import erasure, links, lookup, profile, registration, sign_in, staff
from condiviso.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    DeleteAccountForm,
    DistrictLoginForm,
    EmailForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
    UsernameForm,
)
from condiviso.accounts.login import end_every_session
from condiviso.accounts.phones import display_phone, is_email
from condiviso.accounts.roles import Audience, allow, role_label
from condiviso.accounts.throttle import SignInThrottle
from condiviso.errors import CondivisoError, InvalidInput
from condiviso.forms import ConfirmForm, attach_errors, invalid, run_form, select_choices
from condiviso.i18n import LOCALE_SESSION_KEY
from condiviso.ratelimit import enforce, limited, per_site_and_email
from condiviso.territory.services import comuni_choices
from condiviso.urls import safe_next

blueprint = Blueprint("accounts", __name__)


def _comune_choices(placeholder: str):
    return select_choices([("", placeholder), *comuni_choices()])


def _sign_in(user) -> None:
    login_user(user)
    session[LOCALE_SESSION_KEY] = user.locale


@blueprint.route("/registrati", methods=["GET", "POST"])
@allow(Audience.GUESTS)
@limited("10/minute", "60/hour", scope="register")
def register():
    form = RegistrationForm()
    form.comune_id.choices = _comune_choices(_("Scegli il tuo comune"))

    if form.validate_on_submit():
        # Per address, whether registered or not: the owner of an address gets at most a few
        # e-mails an hour from this form, and the limit tells nothing (a refusal is a 429).
        enforce("3/hour", per_site_and_email(form.email.data), "register-email")
        outcome = run_form(
            form,
            lambda: registration.register_citizen(
                full_name=form.full_name.data,
                email=form.email.data,
                comune_id=form.comune_id.data,
                codice_fiscale=form.codice_fiscale.data,
                privacy_accepted=form.privacy.data,
                locale=session.get(LOCALE_SESSION_KEY) or "it",
            ),
        )
        if outcome.done:
            return render_template("accounts/check_inbox.html", email=form.email.data)
    return render_template("accounts/register.html", form=form), invalid(form)


@blueprint.route("/conferma-email/<token>", methods=["GET", "POST"])
@allow(Audience.EVERYONE)
@limited("10/minute", scope="verify-email")
def verify_email(token: str):
    """The link of a verification e-mail. The first confirmation of an account asks its holder
    to choose the password, and signs them in; a changed address is confirmed at once."""
    try:
        link = registration.address_link(token)
    except links.InvalidLink as error:
        return _invalid_address_link(error)
    if not link.chooses_password:
        try:
            user = registration.confirm_address(token)
        except links.InvalidLink as error:
            return _invalid_address_link(error)
        flash(_("Indirizzo confermato, %(name)s.", name=user.full_name), "success")
        if current_user.is_authenticated and current_user.id == user.id:
            _sign_in(user)  # the session version moved: keep this browser signed in
            return redirect(url_for("accounts.account"))
        return redirect(url_for("accounts.login"))
    form = ResetPasswordForm()
    outcome = run_form(form, lambda: registration.confirm_address(token, form.password.data))
    if outcome.done:
        user = outcome.result
        logout_user()
        _sign_in(user)
        flash(
            _("Indirizzo confermato, %(name)s: il tuo account è pronto.", name=user.full_name),
            "success",
        )
        known = SignInThrottle("login", lookup.username_key(user.username))
        return known.remember(redirect(url_for("accounts.account")))
    return render_template("accounts/confirm_address.html", form=form, email=link.address), invalid(
        form
    )


def _invalid_address_link(error: links.InvalidLink):
    return render_template(
        "accounts/message.html",
        title=_("Collegamento non valido"),
        message=error.message,
        resend=True,
    ), 400


@blueprint.route("/reinvia-conferma", methods=["GET", "POST"])
@allow(Audience.GUESTS)
@limited("5/minute", "20/hour", scope="resend")
def resend_verification():
    form = EmailForm()
    if form.validate_on_submit():
        enforce("3/hour", per_site_and_email(form.email.data), "resend-email")
        registration.resend_verification(form.email.data)
        return render_template("accounts/check_inbox.html", email=form.email.data)
    return render_template("accounts/resend.html", form=form), invalid(form)


@blueprint.route("/accedi", methods=["GET", "POST"])
@allow(Audience.GUESTS)
@limited("10/minute", "100/hour", scope="login")
def login():
    form = DistrictLoginForm()
    if form.validate_on_submit():
        throttle = SignInThrottle("login", lookup.username_key(form.email.data))
        throttle.check()
        try:
            user = sign_in.authenticate(form.email.data, form.password.data)
        except sign_in.EmailNotVerified as error:
            form.form_errors.append(error.message)
        except sign_in.SignInRefused as error:
            throttle.failed()
            form.form_errors.append(error.message)
        else:
            _sign_in(user)
            return throttle.remember(
                redirect(safe_next(request.args.get("next"), url_for("accounts.account")))
            )
    status = 400 if form.form_errors else invalid(form)
    return render_template("accounts/login.html", form=form), status


@blueprint.post("/esci")
@allow(Audience.SIGNED_IN)
def logout():
    """Sign out: this session and every copy of it end (the account's other sessions too)."""
    if ConfirmForm().validate_on_submit():
        end_every_session(current_user._get_current_object())
        logout_user()
        session.clear()
        flash(_("Sei uscito dal tuo account."), "info")
    return redirect(url_for("index"))


@blueprint.route("/password-dimenticata", methods=["GET", "POST"])
@allow(Audience.GUESTS)
@limited("5/minute", "30/hour", scope="reset")
def forgot_password():
    form = UsernameForm()
    if form.validate_on_submit():
        enforce("3/hour", per_site_and_email(lookup.username_key(form.email.data)), "reset-email")
        sign_in.start_password_reset(form.email.data)
        return render_template(
            "accounts/check_inbox.html",
            email=form.email.data,
            reset=True,
            by_phone=not is_email(form.email.data),
        )
    return render_template("accounts/forgot_password.html", form=form), invalid(form)


@blueprint.route("/reimposta-password/<token>", methods=["GET", "POST"])
@allow(Audience.EVERYONE)
@limited("10/minute", scope="reset-token")
def reset_password(token: str):
    try:
        sign_in.user_for_reset(token)
    except links.InvalidLink as error:
        return render_template(
            "accounts/message.html",
            title=_("Collegamento non valido"),
            message=error.message,
            forgot=True,
        ), 400
    form = ResetPasswordForm()
    outcome = run_form(form, lambda: sign_in.reset_password(token, form.password.data))
    if outcome.done:
        user = outcome.result
        logout_user()
        flash(_("Password cambiata. Ora puoi accedere con la nuova password."), "success")
        # Whoever holds the link owns the account: this browser is known to it now.
        known = SignInThrottle("login", lookup.username_key(user.username))
        return known.remember(redirect(url_for("accounts.login")))
    return render_template("accounts/reset_password.html", form=form), invalid(form)


@blueprint.route("/account", methods=["GET", "POST"])
@allow(Audience.SIGNED_IN)
def account():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    form.comune_id.choices = _comune_choices(_("Nessun comune"))
    outcome = run_form(
        form,
        lambda: profile.update_profile(
            user,
            form.full_name.data,
            form.comune_id.data,
            form.codice_fiscale.data,
            form.locale.data,
            form.email.data,
        ),
    )
    if outcome.done:
        confirmation = outcome.result
        session[LOCALE_SESSION_KEY] = user.locale
        flash(_("Dati salvati."), "success")
        if confirmation:
            flash(
                _(
                    "Per usare il nuovo indirizzo apri il collegamento che ti abbiamo "
                    "inviato: fino ad allora resta valido quello attuale."
                ),
                "info",
            )
        return redirect(url_for("accounts.account"))
    roles = [role_label(role) for role in sorted(user.roles)]
    return render_template(
        "accounts/account.html",
        form=form,
        roles=roles,
        password_form=ChangePasswordForm(prefix="pw"),
        phone=display_phone(user.phone) if user.phone else None,
    ), invalid(form)


@blueprint.post("/account/password")
@allow(Audience.SIGNED_IN)
@limited("10/minute", scope="change-password")
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm(prefix="pw")
    changed = run_form(
        form, lambda: sign_in.change_password(user, form.current_password.data, form.password.data)
    )
    if changed.done:
        _sign_in(user)  # the session version moved: keep this browser signed in
        flash(_("Password cambiata. Le altre sessioni aperte sono state chiuse."), "success")
        return redirect(url_for("accounts.account"))
    profile_form = ProfileForm(obj=user)
    profile_form.comune_id.choices = _comune_choices(_("Nessun comune"))
    roles = [role_label(role) for role in sorted(user.roles)]
    return render_template(
        "accounts/account.html",
        form=profile_form,
        roles=roles,
        password_form=form,
        phone=display_phone(user.phone) if user.phone else None,
    ), 400


@blueprint.route("/account/elimina", methods=["GET", "POST"])
@allow(Audience.SIGNED_IN)
@limited("10/minute", scope="delete-account")
def delete_account():
    form = DeleteAccountForm()
    if run_form(
        form, lambda: erasure.delete_account(current_user._get_current_object(), form.password.data)
    ).done:
        logout_user()
        session.clear()
        return render_template(
            "accounts/message.html",
            title=_("Account eliminato"),
            message=_("I tuoi dati personali sono stati cancellati."),
        )
    return render_template("accounts/delete_account.html", form=form), invalid(form)


@blueprint.route("/invito/<token>", methods=["GET", "POST"])
@allow(Audience.EVERYONE)
@limited("10/minute", scope="invitation")
def accept_invitation(token: str):
    try:
        invitation = staff.invitation_for(token)
    except links.InvalidLink:
        return render_template(
            "accounts/message.html",
            title=_("Invito non valido"),
            message=_(
                "L'invito non è valido, è scaduto o è già stato "
                "usato. Chiedi all'amministrazione del distretto di "
                "inviartene uno nuovo."
            ),
        ), 400
    existing = staff.owned_account(invitation.email)
    form = ConfirmForm() if existing else AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = staff.accept_invitation(
                token,
                getattr(form, "full_name", None) and form.full_name.data,
                getattr(form, "password", None) and form.password.data,
            )
        except InvalidInput as error:
            attach_errors(form, error)
        except CondivisoError as error:
            form.form_errors.append(error.message)
        else:
            logout_user()
            _sign_in(user)
            flash(_("Benvenuto nel personale del distretto."), "success")
            return redirect(
                url_for("staff_admin.dashboard")
                if user.has_role(*staff.STAFF_ROLES)
                else url_for("accounts.account")
            )
    return render_template(
        "accounts/invitation.html",
        form=form,
        invitation=invitation,
        existing=existing,
        role=role_label(staff.Role(invitation.role)),
    ), invalid(form)
