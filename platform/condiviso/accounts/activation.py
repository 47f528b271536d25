"""Activation codes: the one-time code a citizen registered at a desk gets on their sheet, with
which they choose a password at `/attiva` (and a new one from the desk when it is lost).

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
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from condiviso.accounts.lookup import find_by_username, get_user
from condiviso.accounts.models import ActivationCode, User
from condiviso.accounts.passwords import hash_password, password_problems
from condiviso.accounts.roles import Role
from condiviso.audit.services import record_access
from condiviso.clock import utcnow
from condiviso.errors import CondivisoError, InvalidInput, NotFound
from condiviso.extensions import db
from condiviso.mail.delivery import send_mail
from condiviso.tenancy import current_tenant
from condiviso.tenancy.keys import derive_key
from condiviso.urls import tenant_url

CODE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"


CODE_LENGTH = 8


CODE_VALID_FOR = timedelta(days=30)


ACTIVATION_PATH = "/attiva"


CODE_RECORD = "accounts.activation_code"


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
