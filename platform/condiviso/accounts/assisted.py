"""Assisted registration: an operator at a desk registers a citizen (who may have a phone number
and no e-mail), records how the citizen consented, and hands over a one-time activation code
with which the citizen later chooses a password at `/attiva`.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I, 2/Z, 5/S, 8/B), valid
30 days, used once; a newer code replaces the older. Only a digest keyed per district (HMAC with
a key derived from the master secret) is stored: the codes are short, and a copy of the database
alone must not let anyone try them offline. The desk may issue a new code for people who hold no
staff role only, so that a desk can never take over a staff account.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from condiviso.accounts.lookup import find_by_username, find_user, get_user
from condiviso.accounts.models import ActivationCode, RoleGrant, User
from condiviso.accounts.passwords import hash_password, password_problems
from condiviso.accounts.registration import record_consent, verification_url
from condiviso.accounts.roles import Role
from condiviso.accounts.validation import clean_codice_fiscale, clean_comune
from condiviso.audit.services import record_access
from condiviso.clock import utcnow
from condiviso.errors import CondivisoError, InvalidInput, NotFound
from condiviso.extensions import db
from condiviso.legal.services import current_version
from condiviso.mail.delivery import send_mail
from condiviso.tenancy import current_tenant
from condiviso.tenancy.keys import derive_key
from condiviso.urls import tenant_url

CODE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"
CODE_LENGTH = 8
CODE_VALID_FOR = timedelta(days=30)
CONSENT_METHODS = ("read_aloud", "paper")
ACTIVATION_PATH = "/attiva"
RECORD = "accounts.user"
CODE_RECORD = "accounts.activation_code"
# What a person sees among the records staff read or changed about them.
ACCOUNT_RECORDS = (RECORD, CODE_RECORD)
# Desk registrations are in Italian: the text read or signed is the Italian one.
DESK_LOCALE = "it"


class ActivationRefused(CondivisoError):
    """A wrong, used, replaced or expired code, or an unknown username: one message for all."""

    status = 400

    def __init__(self) -> None:
        super().__init__(
            _(
                "Il nome utente o il codice non sono validi, oppure il codice è scaduto o è già "
                "stato usato. Controlla il foglio che ti hanno dato al Social Point, oppure "
                "chiedi lì un nuovo codice."
            )
        )


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


# -- codes ---------------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """`ACDE-FGHJ`: two groups of four read out more easily."""
    return f"{code[:4]}-{code[4:]}"


def clean_code(value: str | None) -> str:
    """The code as typed, without spaces or dashes, in capitals."""
    return "".join(c for c in (value or "").upper() if c.isalnum())[:32]


def _digest(user_id: int, code: str) -> str:
    key = derive_key(current_app.config["SECRET_KEY"], "activation-code", current_tenant().id)
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _live_codes(user_id: int) -> list[ActivationCode]:
    return list(
        db.session.scalars(
            sa.select(ActivationCode).where(
                ActivationCode.user_id == user_id,
                ActivationCode.used_at.is_(None),
                ActivationCode.revoked_at.is_(None),
                ActivationCode.expires_at > utcnow(),
            )
        )
    )


def issue_code(user: User, operator: User | None) -> str:
    """A new activation code for `user`, replacing any earlier one; the caller commits."""
    if not may_get_code(user):
        raise NotFound(_("La persona che cerchi non esiste."))
    for earlier in _live_codes(user.id):
        earlier.revoked_at = utcnow()
    code = new_code()
    db.session.add(
        ActivationCode(
            user_id=user.id,
            code_digest=_digest(user.id, code),
            issued_by_id=operator.id if operator is not None else None,
            expires_at=utcnow() + CODE_VALID_FOR,
        )
    )
    return code


def current_code_expiry(user: User) -> datetime | None:
    """Until when the code last issued to `user` can be used (None: no usable code)."""
    return max((c.expires_at for c in _live_codes(user.id)), default=None)


def may_get_code(user: User) -> bool:
    """Citizens only: a desk never sets the password of a member of staff."""
    return user.deleted_at is None and user.roles == frozenset({Role.CITIZEN})


# -- registering at the desk -----------------------------------------------------------------------


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


# -- the desk's view of a citizen ----------------------------------------------------------------


def citizen_for_desk(user_id: int) -> User:
    """A citizen the desk may print a sheet for; reading it is audited. 404 for anyone else."""
    user = get_user(user_id)
    if user is None or not may_get_code(user):
        raise NotFound(_("La persona che cerchi non esiste."))
    record_access("read", RECORD, user.id, subject_user_id=user.id, reason="welcome sheet")
    db.session.commit()
    return user


def renew_code(user_id: int, operator: User) -> str:
    """A new code for a citizen who lost theirs or forgot the password; the old one stops
    working. The code can set a new password, so it is never made silently: the person sees it
    among what staff did on their data, and gets an e-mail when they have an address."""
    user = get_user(user_id)
    if user is None or not may_get_code(user):
        raise NotFound(_("La persona che cerchi non esiste."))
    code = issue_code(user, operator)
    record_access("create", CODE_RECORD, user.id, subject_user_id=user.id, reason="new code")
    db.session.commit()
    if user.email:
        send_mail(
            current_tenant(),
            user.email,
            "activation_code_issued",
            user.locale,
            user=user,
            operator=operator.full_name,
            activation_url=activation_url(),
            reset_url=tenant_url(current_tenant(), "/password-dimenticata"),
        )
    return code


def activation_url() -> str:
    """Where the citizen goes to activate, on the district's own address (from the registry)."""
    return tenant_url(current_tenant(), ACTIVATION_PATH)


# -- activating ------------------------------------------------------------------------------------


def activate(username: str, code: str, password: str) -> User:
    """Check the code and set the password: the account is active and the code used.

    A weak password is refused before the code is looked at, so its message tells nothing
    about the code; anything wrong with the username or the code gets one message."""
    problems = password_problems(password)
    if problems:
        raise InvalidInput({"password": problems})
    user = find_by_username(username)
    digest = _digest(user.id if user is not None else 0, clean_code(code))
    match = None
    for candidate in _live_codes(user.id) if user is not None else []:
        if hmac.compare_digest(candidate.code_digest, digest):
            match = candidate
    if user is None or match is None or not may_get_code(user):
        raise ActivationRefused()
    problems = password_problems(password, email=user.email, name=user.full_name)
    if problems:
        raise InvalidInput({"password": problems})
    match.used_at = utcnow()
    user.password_hash = hash_password(password)
    user.activated_at = user.activated_at or utcnow()
    user.session_version += 1  # whoever was signed in with the old password is signed out
    user.last_login_at = utcnow()
    db.session.commit()
    return user
