"""The desk's pages (register a citizen, print their welcome sheet, issue a new code) and the
citizen's activation page.

The activation code is shown once: registering or issuing a new code puts it in the operator's
session, encrypted (the session cookie is signed, not secret), and redirects to the sheet, whose
GET takes it out again. Reloading the sheet, or opening it later, shows it without the code; only
a POST ("crea un nuovo codice") makes another, and the old one stops working. The sheet with a
code is never cached by the browser."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from condiviso.accounts import activation, assisted, lookup
from condiviso.accounts.forms import ActivationForm, AssistedRegistrationForm
from condiviso.accounts.phones import display_phone, normalize_phone
from condiviso.accounts.roles import Audience, Role, allow
from condiviso.accounts.throttle import ACTIVATION, SignInThrottle
from condiviso.clock import utcnow
from condiviso.errors import InvalidInput
from condiviso.forms import ConfirmForm, attach_errors, invalid, select_choices
from condiviso.i18n import LOCALE_SESSION_KEY
from condiviso.legal.services import current_page
from condiviso.ratelimit import limited
from condiviso.tenancy import current_tenant
from condiviso.tenancy.keys import district_key
from condiviso.territory.services import comuni_choices
from condiviso.validation import whole_number

blueprint = Blueprint("assisted", __name__)

DESK = (Role.OPERATOR, Role.DISTRICT_ADMIN)
CODE_SESSION_KEY = "assisted_code"
# Between the POST that makes a code and the sheet that shows it: one redirect.
CODE_HELD_SECONDS = 600


def _registration_form() -> AssistedRegistrationForm:
    form = AssistedRegistrationForm()
    form.comune_id.choices = select_choices([("", _("Scegli il comune")), *comuni_choices()])
    return form


def _version(value: str | None) -> int | None:
    return whole_number(value, max_digits=8)


def _desk_details(form: AssistedRegistrationForm) -> assisted.DeskDetails:
    """What the desk's form says of the person, in the form accounts store it."""
    email = (form.email.data or "").strip()
    return assisted.DeskDetails(
        full_name=form.full_name.data.strip(),
        comune_id=form.comune_id.data,
        phone=normalize_phone(form.phone.data) if form.phone.data else None,
        email=lookup.normalize_email(email) if email else None,
        codice_fiscale=form.codice_fiscale.data,
        consent_method=form.consent_method.data,
        privacy_version=_version(form.privacy_version.data),
    )


@blueprint.route("/operatore/registra", methods=["GET", "POST"])
@allow(*DESK)
@limited("30/minute", "500/day", scope="assisted-register")
def register():
    """An operator registers a citizen sitting at the desk."""
    form = _registration_form()
    existing = None
    if form.validate_on_submit():
        try:
            registration = assisted.register_at_desk(
                _desk_details(form), current_user._get_current_object()
            )
        except assisted.AlreadyRegistered as error:
            attach_errors(form, error)
            existing = error.existing
        except InvalidInput as error:
            attach_errors(form, error)
        else:
            _hold_code(registration.user.id, registration.code)
            flash(
                _("Registrazione completata: %(name)s.", name=registration.user.full_name),
                "success",
            )
            return redirect(url_for("assisted.welcome", user_id=registration.user.id))
    privacy = current_page("privacy", assisted.DESK_LOCALE)
    form.privacy_version.data = str(privacy.version) if privacy else ""
    return render_template(
        "accounts/assisted_register.html",
        form=form,
        privacy=privacy,
        existing=existing,
        existing_sheet=existing is not None and activation.may_get_code(existing),
    ), invalid(form)


def _code_cipher() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(district_key("activation-code-hold")))


def _hold_code(user_id: int, code: str) -> None:
    sealed = _code_cipher().encrypt(f"{user_id}:{code}".encode()).decode()
    session[CODE_SESSION_KEY] = sealed


def _take_code(user_id: int) -> str | None:
    """The code held for `user_id`'s sheet, if it was made in the last few minutes."""
    sealed = session.get(CODE_SESSION_KEY)
    if not isinstance(sealed, str):
        return None
    try:
        held = _code_cipher().decrypt(sealed.encode(), ttl=CODE_HELD_SECONDS).decode()
    except InvalidToken:
        return None
    owner, _, code = held.partition(":")
    if owner != str(user_id):
        return None
    session.pop(CODE_SESSION_KEY)
    return code


def _help_lines(citizen) -> list[str]:
    """Where the person can get help, from the district's plugins (its Social Points, say)."""
    from condiviso.plugins import tenant_hook

    tenant = current_tenant()
    results = tenant_hook("condiviso_help_contacts", tenant)(tenant=tenant, user=citizen)
    return [str(line) for result in results for line in (result or ())]


@blueprint.get("/operatore/cittadini/<int:user_id>/benvenuto")
@allow(*DESK)
def welcome(user_id: int):
    """The one-page sheet the citizen takes home; the code only right after it was made."""
    citizen = assisted.citizen_for_desk(user_id)
    code = _take_code(user_id)
    response = render_template(
        "accounts/welcome_sheet.html",
        citizen=citizen,
        district=current_tenant().display_name,
        username=display_phone(citizen.phone) if citizen.phone else citizen.email,
        by_phone=citizen.phone is not None,
        code=activation.format_code(code) if code else None,
        expires=activation.current_code_expiry(citizen),
        activation_url=activation.activation_url(),
        operator=current_user.full_name,
        help_lines=_help_lines(citizen),
        today=utcnow(),
        confirm=ConfirmForm(),
    )
    return response, 200, {"Cache-Control": "no-store"}


@blueprint.post("/operatore/cittadini/<int:user_id>/nuovo-codice")
@allow(*DESK)
@limited("30/minute", scope="assisted-code")
def new_code(user_id: int):
    """A new code for a citizen who lost the sheet or forgot the password."""
    if ConfirmForm().validate_on_submit():
        code = activation.renew_code(user_id, current_user._get_current_object())
        _hold_code(user_id, code)
        flash(_("Nuovo codice creato: quello precedente non vale più."), "success")
    return redirect(url_for("assisted.welcome", user_id=user_id))


@blueprint.route("/attiva", methods=["GET", "POST"])
@allow(Audience.GUESTS)
@limited("10/minute", "60/hour", scope="activate")
def activate():
    """The citizen chooses a password with the code from the welcome sheet, and is in."""
    form = ActivationForm()
    if form.validate_on_submit():
        username = lookup.username_key(form.username.data)
        throttle = SignInThrottle("activate", username, ACTIVATION)
        throttle.check()
        try:
            user = activation.activate(form.username.data, form.code.data, form.password.data)
        except InvalidInput as error:
            attach_errors(form, error)
        except activation.ActivationRefused as error:
            throttle.failed()
            form.form_errors.append(error.message)
        else:
            login_user(user)
            session[LOCALE_SESSION_KEY] = user.locale
            flash(
                _(
                    "Benvenuto, %(name)s: il tuo account è attivo. La prossima volta accedi con "
                    "%(username)s e la password che hai scelto.",
                    name=user.full_name,
                    username=display_phone(user.phone) if user.phone else user.email,
                ),
                "success",
            )
            known = SignInThrottle("login", username)
            return known.remember(redirect(url_for("accounts.account")))
    status = 400 if form.form_errors else invalid(form)
    return render_template("accounts/activate.html", form=form), status
