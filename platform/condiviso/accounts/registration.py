"""Registering online: the form is checked and a job makes the account, unverified and without
a password; the link sent to the address confirms it and chooses the password (decision 0019).
E-mails leave after the change is committed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired

from condiviso.accounts.links import VERIFY_EMAIL_MAX_AGE, InvalidLink, email_token
from condiviso.accounts.lookup import find_user, get_user, normalize_email
from condiviso.accounts.models import ActivationCode, Consent, RoleGrant, User
from condiviso.accounts.roles import Role
from condiviso.accounts.sign_in import set_password
from condiviso.accounts.validation import (
    check_new_password,
    clean_comune,
    well_formed_codice_fiscale,
)
from condiviso.clock import utcnow
from condiviso.errors import InvalidInput
from condiviso.extensions import db
from condiviso.jobs import enqueue, job
from condiviso.legal.services import current_version
from condiviso.mail.delivery import MAIL_RETRIES, send_mail
from condiviso.tenancy import current_tenant
from condiviso.urls import tenant_url

# Retried like the e-mail it ends in: a registration sent while the district's database was
# down is done once it is back.
REGISTER_JOB = "accounts.register"


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


def verification_url(user: User, address: str) -> str:
    """The link that confirms `address` as the person's e-mail (valid three days)."""
    token = email_token("verify-email").dumps({"u": user.id, "e": address})
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
        data = email_token("verify-email").loads(token, max_age=VERIFY_EMAIL_MAX_AGE)
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
        set_password(user, password)
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
