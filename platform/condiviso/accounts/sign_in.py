"""Signing in and passwords: authentication, the reset link (sent by a job, so the page answers
the same whether the address has an account) and changing a password."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired

from condiviso.accounts.links import RESET_MAX_AGE, InvalidLink, email_token
from condiviso.accounts.lookup import find_by_username, get_user, username_key
from condiviso.accounts.models import ActivationCode, User
from condiviso.accounts.passwords import (
    hash_password,
    needs_rehash,
    verify_password,
)
from condiviso.accounts.phones import is_email
from condiviso.accounts.validation import check_new_password
from condiviso.clock import utcnow
from condiviso.errors import CondivisoError, InvalidInput
from condiviso.extensions import db
from condiviso.jobs import enqueue, job
from condiviso.mail.delivery import MAIL_RETRIES, send_mail
from condiviso.tenancy import current_tenant
from condiviso.urls import tenant_url


class SignInRefused(CondivisoError):
    """Wrong username or password: the message never says which."""

    status = 400

    def __init__(self, by_phone: bool = False) -> None:
        super().__init__(
            _("Numero di telefono o password non corretti.")
            if by_phone
            else _("E-mail o password non corretti.")
        )


class EmailNotVerified(CondivisoError):
    status = 400

    def __init__(self, email: str) -> None:
        self.email = email
        super().__init__(
            _(
                "Prima di accedere conferma il tuo indirizzo e-mail: apri il "
                "collegamento che ti abbiamo inviato."
            )
        )


# Retried like the e-mail it ends in: a reset asked for while the district's database was down
# is sent once it is back.
RESET_JOB = "accounts.password_reset"


def authenticate(username: str, password: str) -> User:
    """The user with this e-mail (or phone number) and password; `SignInRefused` otherwise, in
    the same time."""
    user = find_by_username(username)
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid:
        raise SignInRefused(by_phone=not is_email(username))
    if not user.is_active:
        raise EmailNotVerified(user.email or "")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def _password_fingerprint(user: User) -> str:
    # The reset link dies as soon as the password changes.
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:16]


def start_password_reset(username: str) -> None:
    """Have a job send a reset link if the e-mail address (or phone number) has an account
    with an address: the page says nothing about it either way, in the same time. A person
    without e-mail gets a new activation code at a desk instead."""
    enqueue(
        RESET_JOB,
        current_tenant().slug,
        key=hashlib.sha256(username_key(username).encode()).hexdigest()[:32],
        username=username,
    )


@job(RESET_JOB, retries=MAIL_RETRIES)
def send_password_reset(username: str) -> None:
    """The job of a reset request: the link, to the account's address, if there is one."""
    user = find_by_username(username)
    if user is None or not user.email:
        return
    token = email_token("password-reset").dumps({"u": user.id, "p": _password_fingerprint(user)})
    send_mail(
        current_tenant(),
        user.email,
        "password_reset",
        user.locale,
        user=user,
        url=tenant_url(current_tenant(), f"/reimposta-password/{token}"),
    )


def user_for_reset(token: str) -> User:
    try:
        data = email_token("password-reset").loads(token, max_age=RESET_MAX_AGE)
    except (BadSignature, SignatureExpired):
        raise InvalidLink() from None
    user = get_user(data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("p") != _password_fingerprint(user):
        raise InvalidLink()
    return user


def set_password(user: User, password: str) -> None:
    """Set a password: every other session ends, and no activation code made at a desk can
    replace it any more."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    db.session.execute(
        sa.update(ActivationCode)
        .where(
            ActivationCode.user_id == user.id,
            ActivationCode.used_at.is_(None),
            ActivationCode.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


def reset_password(token: str, password: str) -> User:
    user = user_for_reset(token)
    check_new_password(password, user.email, user.full_name)
    set_password(user, password)
    # Whoever can read the mailbox owns the address: the link also confirms it.
    user.email_verified_at = user.email_verified_at or utcnow()
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise InvalidInput({"current_password": [_("La password attuale non è corretta.")]})
    check_new_password(new, user.email, user.full_name)
    set_password(user, new)
    db.session.commit()
