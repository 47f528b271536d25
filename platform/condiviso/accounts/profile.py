"""The account page: what a person changes about themselves."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from condiviso.accounts.lookup import find_user, normalize_email
from condiviso.accounts.models import User
from condiviso.accounts.registration import send_verification
from condiviso.accounts.roles import Role
from condiviso.accounts.validation import clean_codice_fiscale, clean_comune
from condiviso.errors import InvalidInput
from condiviso.extensions import db


def update_profile(
    user: User,
    full_name: str,
    comune_id: int | None,
    codice_fiscale: str | None,
    locale: str,
    email: str | None,
) -> bool:
    """Save the person's details; a new e-mail address is used once confirmed (a person
    registered with a phone number may add one). True when a confirmation e-mail was sent."""
    errors: dict[str, list[str]] = {}
    if user.has_role(Role.CITIZEN) or comune_id is not None:
        try:
            comune_id = clean_comune(comune_id)
        except InvalidInput as error:
            errors.update(error.errors)
    try:
        codice_fiscale = clean_codice_fiscale(codice_fiscale, user)
    except InvalidInput as error:
        errors.update(error.errors)
    if locale not in current_app.config["LANGUAGES"]:
        errors["locale"] = [_("Lingua non disponibile.")]
    email = normalize_email(email or "")
    if not email and user.email:
        errors["email"] = [_("Scrivi il tuo indirizzo e-mail.")]
    if errors:
        raise InvalidInput(errors)
    user.full_name, user.comune_id, user.codice_fiscale, user.locale = (
        full_name.strip(),
        comune_id,
        codice_fiscale,
        locale,
    )
    db.session.commit()
    if email and email != user.email:
        if find_user(email) is None:
            send_verification(user, new_email=email)
        return True
    return False
