"""What people do with their accounts: register, verify, sign in, reset, change, delete.

Every function works on the tenant bound to the current context and leaves committing to the
caller only where it says so; e-mails are sent after the change is committed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from codicefiscale import codicefiscale
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired

from condiviso.accounts.models import ActivationCode, Consent, RoleGrant, User
from condiviso.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from condiviso.accounts.phones import is_email, normalize_phone
from condiviso.accounts.roles import Role
from condiviso.clock import utcnow
from condiviso.errors import CondivisoError, InvalidInput
from condiviso.extensions import db
from condiviso.jobs import enqueue, job
from condiviso.legal.services import current_version
from condiviso.mail.delivery import MAIL_RETRIES, send_mail
from condiviso.tenancy import current_tenant
from condiviso.tenancy.keys import token_serializer
from condiviso.territory.models import Comune
from condiviso.urls import tenant_url

VERIFY_EMAIL_MAX_AGE = 3 * 24 * 3600
RESET_MAX_AGE = 3600


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


class InvalidLink(CondivisoError):
    status = 400

    def __init__(self) -> None:
        super().__init__(_("Il collegamento non è valido o è scaduto. Puoi chiederne uno nuovo."))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(
        sa.select(User).where(User.email == normalize_email(email), User.deleted_at.is_(None))
    )


def find_by_username(username: str) -> User | None:
    """The person who signs in with `username`: an e-mail address or a phone number."""
    if is_email(username):
        return find_user(username)
    phone = normalize_phone(username)
    if phone is None:
        return None
    return db.session.scalar(sa.select(User).where(User.phone == phone, User.deleted_at.is_(None)))


def username_key(username: str) -> str:
    """One spelling of a username, for counting attempts: `333 1234567` and `+393331234567`
    spend the same allowance."""
    if is_email(username):
        return normalize_email(username)
    return normalize_phone(username) or username.strip()


def get_user(user_id: int) -> User | None:
    user = db.session.get(User, user_id)
    return user if user is not None and user.deleted_at is None else None


# -- validation shared by registration and the account page ---------------------------------------


def well_formed_codice_fiscale(value: str | None) -> str | None:
    """The codice fiscale as typed, compact and in capitals, if its checksum holds."""
    value = (value or "").strip().upper().replace(" ", "")
    if not value:
        return None
    if not codicefiscale.is_valid(value):
        raise InvalidInput(
            {
                "codice_fiscale": [
                    _("Il codice fiscale non è valido: controllalo sulla tessera sanitaria.")
                ]
            }
        )
    return value


def clean_codice_fiscale(value: str | None, user: User | None = None) -> str | None:
    value = well_formed_codice_fiscale(value)
    if value is None:
        return None
    owner = db.session.scalar(sa.select(User).where(User.codice_fiscale == value))
    if owner is not None and owner is not user:
        raise InvalidInput(
            {
                "codice_fiscale": [
                    _(
                        "Questo codice fiscale è già registrato: se è "
                        "il tuo, accedi o recupera la password."
                    )
                ]
            }
        )
    return value


def clean_comune(comune_id: Any) -> int:
    comune = db.session.get(Comune, comune_id) if isinstance(comune_id, int) else None
    if comune is None:
        raise InvalidInput({"comune_id": [_("Scegli il tuo comune dall'elenco.")]})
    return comune.id


def check_new_password(password: str, email: str | None, name: str | None = None) -> None:
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise InvalidInput({"password": problems})


# -- registration and verification ---------------------------------------------------------------


# Retried like the e-mails they end in: a registration or a reset sent while the district's
# database was down is done once it is back.
REGISTER_JOB = "accounts.register"
RESET_JOB = "accounts.password_reset"


def register_citizen(
    full_name: str,
    email: str,
    comune_id: int,
    codice_fiscale: str | None,
    privacy_accepted: bool,
    locale: str,
) -> None:
    """Check a registration and have it done by a job (`create_registration`): the page then
    answers the same, in the same time, whether the address has an account or not.

    The account is made unverified and without a password; the link sent to the address
    confirms it and chooses the password, so nobody can hold an account in someone else's
    name, or its password, before that (decision 0019)."""
    email = normalize_email(email)
    errors: dict[str, list[str]] = {}
    if not privacy_accepted:
        errors["privacy"] = [
            _("Per registrarti devi dichiarare di aver letto l'informativa sulla privacy.")
        ]
    try:
        comune_id = clean_comune(comune_id)
    except InvalidInput as error:
        errors.update(error.errors)
    try:
        codice_fiscale = well_formed_codice_fiscale(codice_fiscale)
    except InvalidInput as error:
        errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)
    enqueue(
        REGISTER_JOB,
        current_tenant().slug,
        key=hashlib.sha256(email.encode()).hexdigest()[:32],
        full_name=full_name.strip(),
        email=email,
        comune_id=comune_id,
        codice_fiscale=codice_fiscale,
        locale=locale,
        privacy_version=current_version("privacy", locale),
    )


@job(REGISTER_JOB, retries=MAIL_RETRIES)
def create_registration(
    full_name: str,
    email: str,
    comune_id: int,
    codice_fiscale: str | None,
    locale: str,
    privacy_version: int,
) -> None:
    """The job of a registration: a new account and its link; for an address already
    registered, an e-mail to its owner instead (a new link when it was never confirmed). A
    codice fiscale someone else holds is left out: the person adds it from their account."""
    existing = find_user(email)
    if existing is not None:
        if existing.is_active:
            send_mail(
                current_tenant(),
                email,
                "already_registered",
                existing.locale,
                user=existing,
                login_url=tenant_url(current_tenant(), "/accedi"),
                reset_url=tenant_url(current_tenant(), "/password-dimenticata"),
            )
        else:
            send_verification(existing)
        return
    if codice_fiscale and db.session.scalar(
        sa.select(User.id).where(User.codice_fiscale == codice_fiscale)
    ):
        codice_fiscale = None
    user = User(
        email=email,
        full_name=full_name,
        comune_id=comune_id,
        codice_fiscale=codice_fiscale,
        password_hash=None,
        locale=locale,
    )
    user.grants.append(RoleGrant(role=Role.CITIZEN.value))
    db.session.add(user)
    db.session.flush()
    record_consent(user, "privacy", method="online", text_version=privacy_version)
    db.session.commit()
    send_verification(user)


def record_consent(
    user: User,
    kind: str,
    method: str,
    recorded_by: User | None = None,
    text_version: int | None = None,
) -> Consent:
    """Store a consent with the version of the text shown (the current one unless given), the
    time and how it was given."""
    consent = Consent(
        user_id=user.id,
        kind=kind,
        text_version=text_version or current_version(kind, user.locale),
        method=method,
        recorded_by_id=recorded_by.id if recorded_by else None,
    )
    db.session.add(consent)
    return consent


def _email_token(purpose: str) -> Any:
    return token_serializer(purpose, current_tenant().id)


def verification_url(user: User, address: str) -> str:
    """The link that confirms `address` as the person's e-mail (valid three days)."""
    token = _email_token("verify-email").dumps({"u": user.id, "e": address})
    return tenant_url(current_tenant(), f"/conferma-email/{token}")


def send_verification(user: User, new_email: str | None = None) -> None:
    address = new_email or user.email
    if not address:
        return  # registered with a phone number only: nothing to verify
    send_mail(
        current_tenant(),
        address,
        "verify_email",
        user.locale,
        user=user,
        url=verification_url(user, address),
    )


def resend_verification(email: str) -> None:
    user = find_user(email)
    if user is not None and user.email_verified_at is None:
        send_verification(user)


@dataclass(frozen=True)
class AddressLink:
    """What a verification link is about: a person and the address it was sent to."""

    user: User
    address: str

    @property
    def chooses_password(self) -> bool:
        """The first confirmation of an account nobody owns yet: whoever holds the link
        chooses the password. A person registered at a desk chooses theirs with the code
        handed to them there, so their link only confirms the address."""
        user = self.user
        if self.address != user.email or user.email_verified_at or user.activated_at:
            return False
        registered_at_desk = sa.exists().where(ActivationCode.user_id == user.id)
        return not db.session.scalar(sa.select(registered_at_desk))


def address_link(token: str) -> AddressLink:
    """The person and address of a verification link (valid three days); `InvalidLink`
    otherwise."""
    try:
        data = _email_token("verify-email").loads(token, max_age=VERIFY_EMAIL_MAX_AGE)
    except (BadSignature, SignatureExpired):
        raise InvalidLink() from None
    user = get_user(data.get("u")) if isinstance(data, dict) else None
    address = data.get("e") if isinstance(data, dict) else None
    if user is None or not isinstance(address, str):
        raise InvalidLink()
    return AddressLink(user, address)


def confirm_address(token: str, password: str | None = None) -> User:
    """Confirm the address a verification link was sent to (also a changed address).

    On an account nobody owns yet the link's holder must choose the password (`password`);
    whatever password was there goes, and every other session of the account ends."""
    link = address_link(token)
    user = link.user
    if link.chooses_password:
        if not password:
            raise InvalidInput({"password": [_("Scegli una password.")]})
        check_new_password(password, user.email, user.full_name)
        _new_password(user, password)
        user.email_verified_at = utcnow()
    elif link.address != user.email:
        if find_user(link.address) is not None:
            raise InvalidLink()
        user.email = link.address
        user.email_verified_at = user.email_verified_at or utcnow()
        user.session_version += 1
    else:
        user.email_verified_at = user.email_verified_at or utcnow()
    db.session.commit()
    return user


# -- signing in and passwords ---------------------------------------------------------------------


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
    token = _email_token("password-reset").dumps({"u": user.id, "p": _password_fingerprint(user)})
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
        data = _email_token("password-reset").loads(token, max_age=RESET_MAX_AGE)
    except (BadSignature, SignatureExpired):
        raise InvalidLink() from None
    user = get_user(data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("p") != _password_fingerprint(user):
        raise InvalidLink()
    return user


def _new_password(user: User, password: str) -> None:
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
    _new_password(user, password)
    # Whoever can read the mailbox owns the address: the link also confirms it.
    user.email_verified_at = user.email_verified_at or utcnow()
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise InvalidInput({"current_password": [_("La password attuale non è corretta.")]})
    check_new_password(new, user.email, user.full_name)
    _new_password(user, new)
    db.session.commit()


# -- the account page ---------------------------------------------------------------------------


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
