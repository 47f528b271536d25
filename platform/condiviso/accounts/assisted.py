"""Registering a citizen at a desk: an operator registers a person (who may have a phone number
and no e-mail), records how they consented to the privacy notice, and hands over the
activation code of `accounts.activation` on a printed sheet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from condiviso.accounts.activation import CODE_RECORD, activation_url, issue_code, may_get_code
from condiviso.accounts.lookup import find_by_username, find_user, get_user
from condiviso.accounts.models import RoleGrant, User
from condiviso.accounts.registration import record_consent, verification_url
from condiviso.accounts.roles import Role
from condiviso.accounts.validation import clean_codice_fiscale, clean_comune
from condiviso.audit.services import record_access
from condiviso.errors import InvalidInput, NotFound
from condiviso.extensions import db
from condiviso.legal.services import current_version
from condiviso.mail.delivery import send_mail
from condiviso.tenancy import current_tenant

CONSENT_METHODS = ("read_aloud", "paper")


RECORD = "accounts.user"


# What a person sees among the records staff read or changed about them.
ACCOUNT_RECORDS = (RECORD, CODE_RECORD)


# Desk registrations are in Italian: the text read or signed is the Italian one.
DESK_LOCALE = "it"


class AlreadyRegistered(InvalidInput):
    """The phone number, e-mail address or codice fiscale belongs to someone registered."""

    def __init__(self, errors: Mapping[str, list[str]], existing: User) -> None:
        super().__init__(errors)
        self.existing = existing


@dataclass(frozen=True)
class Registration:
    user: User
    code: str  # shown once, on the welcome sheet


@dataclass(frozen=True)
class DeskDetails:
    """A person registered at a desk, as the desk's form gives them: phone in E.164, e-mail
    lower case (at least one of the two), the way they received the privacy notice and the
    notice's version shown on the form."""

    full_name: str
    comune_id: int | None
    phone: str | None
    email: str | None
    codice_fiscale: str | None
    consent_method: str
    privacy_version: int | None


def _notice_problem(shown: int | None) -> str | None:
    """Why the consent given on the form cannot be recorded: no notice published yet, or a newer
    one than the person was shown."""
    current = current_version("privacy", DESK_LOCALE)
    if current == 0:
        return _("Il distretto non ha ancora pubblicato l'informativa sulla privacy.")
    if shown != current:
        return _(
            "L'informativa sulla privacy è appena stata aggiornata (versione %(v)d): "
            "presentala di nuovo alla persona.",
            v=current,
        )
    return None


def _holder(
    phone: str | None, email: str | None, codice_fiscale: str | None
) -> tuple[str, User] | None:
    """(field, person) when someone already holds one of the details."""
    if phone and (owner := find_by_username(phone)):
        return "phone", owner
    if email and (owner := find_user(email)):
        return "email", owner
    if codice_fiscale and (
        owner := db.session.scalar(
            sa.select(User).where(User.codice_fiscale == codice_fiscale, User.deleted_at.is_(None))
        )
    ):
        return "codice_fiscale", owner
    return None


def _refuse_if_registered(phone: str | None, email: str | None, codice_fiscale: str | None) -> None:
    """Refuse a person already registered, naming them: only staff use the desk's page."""
    held = _holder(phone, email, codice_fiscale)
    if held is None:
        return
    field, owner = held
    details = {
        "name": owner.full_name,
        "comune": owner.comune.name if owner.comune is not None else _("comune non indicato"),
    }
    message = {
        "phone": _(
            "Questo numero di telefono è già registrato: appartiene a %(name)s (%(comune)s).",
            **details,
        ),
        "email": _(
            "Questo indirizzo e-mail è già registrato: appartiene a %(name)s (%(comune)s).",
            **details,
        ),
        "codice_fiscale": _(
            "Questo codice fiscale è già registrato: appartiene a %(name)s (%(comune)s).",
            **details,
        ),
    }[field]
    raise AlreadyRegistered({field: [message]}, owner)


def register_at_desk(details: DeskDetails, operator: User) -> Registration:
    """Register a citizen on their behalf, with the consent they gave at the desk, and issue
    their activation code. Nothing is saved if anything is wrong."""
    errors: dict[str, list[str]] = {}
    comune_id = None
    try:
        comune_id = clean_comune(details.comune_id)
    except InvalidInput as error:
        errors.update(error.errors)
    codice_fiscale = None
    try:
        codice_fiscale = _valid_codice_fiscale(details.codice_fiscale)
    except InvalidInput as error:
        errors.update(error.errors)
    if problem := _notice_problem(details.privacy_version):
        errors["consent_given"] = [problem]
    if errors:
        raise InvalidInput(errors)
    phone, email, method = details.phone, details.email, details.consent_method
    _refuse_if_registered(phone, email, codice_fiscale)
    user = User(
        email=email,
        phone=phone,
        full_name=details.full_name,
        comune_id=comune_id,
        codice_fiscale=codice_fiscale,
        password_hash=None,
        locale=DESK_LOCALE,
    )
    user.grants.append(RoleGrant(role=Role.CITIZEN.value, granted_by_id=operator.id))
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # registered by another desk a moment ago
        db.session.rollback()
        raise InvalidInput(
            {"phone": [_("Questa persona è appena stata registrata: cercala prima di riprovare.")]}
        ) from None
    record_consent(user, "privacy", method=method, recorded_by=operator)
    record_access("create", RECORD, user.id, subject_user_id=user.id, reason=f"desk, {method}")
    code = issue_code(user, operator)
    db.session.commit()
    if user.email:
        _send_welcome(user)
    return Registration(user, code)


def _valid_codice_fiscale(value: Any) -> str | None:
    """A valid codice fiscale, checked as everywhere else (`clean_codice_fiscale`); who holds
    it is told to the operator by `_refuse_if_registered`, not with the citizen's own message."""
    cleaned = value.strip().upper().replace(" ", "") if isinstance(value, str) else ""
    if not cleaned:
        return None
    holder = db.session.scalar(sa.select(User).where(User.codice_fiscale == cleaned))
    return clean_codice_fiscale(cleaned, holder)


def _send_welcome(user: User) -> None:
    """The e-mail a person registered at a desk gets: confirm the address; the password is
    chosen with the code on the sheet (never in the e-mail)."""
    send_mail(
        current_tenant(),
        user.email,
        "assisted_welcome",
        user.locale,
        user=user,
        url=verification_url(user, user.email),
        activation_url=activation_url(),
    )


def citizen_for_desk(user_id: int) -> User:
    """A citizen the desk may print a sheet for; reading it is audited. 404 for anyone else."""
    user = get_user(user_id)
    if user is None or not may_get_code(user):
        raise NotFound(_("La persona che cerchi non esiste."))
    record_access("read", RECORD, user.id, subject_user_id=user.id, reason="welcome sheet")
    db.session.commit()
    return user
