"""Platform operators: created from the CLI, signed in on the apex host."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import fields, validate

from condiviso.accounts.lookup import normalize_email
from condiviso.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from condiviso.accounts.sign_in import SignInRefused
from condiviso.clock import utcnow
from condiviso.errors import Conflict, InvalidInput
from condiviso.extensions import db
from condiviso.tenancy.models import PlatformOperator
from condiviso.validation import Schema, deliverable_email


class OperatorSchema(Schema):
    email = fields.Email(required=True, validate=[validate.Length(max=254), deliverable_email])
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=120))


def create_operator(email: str, full_name: str, password: str) -> PlatformOperator:
    """A new platform operator; the e-mail must be free and the password strong enough."""
    from condiviso.validation import load_or_raise

    data = load_or_raise(OperatorSchema(), {"email": email, "full_name": full_name})
    email = normalize_email(data["email"])
    problems = password_problems(password, email=email, name=data["full_name"])
    if problems:
        raise InvalidInput({"password": problems})
    if db.session.scalar(sa.select(PlatformOperator).where(PlatformOperator.email == email)):
        raise Conflict(_("Esiste già un operatore con l'indirizzo %(email)s.", email=email))
    operator = PlatformOperator(
        email=email, full_name=data["full_name"].strip(), password_hash=hash_password(password)
    )
    db.session.add(operator)
    db.session.commit()
    return operator


def authenticate_operator(email: str, password: str) -> PlatformOperator:
    operator = db.session.scalar(
        sa.select(PlatformOperator).where(PlatformOperator.email == normalize_email(email))
    )
    valid = verify_password(operator.password_hash if operator else None, password)
    if operator is None or not valid or not operator.active:
        raise SignInRefused()
    if needs_rehash(operator.password_hash):
        operator.password_hash = hash_password(password)
    operator.last_login_at = utcnow()
    db.session.commit()
    return operator


def operator_actor(operator: PlatformOperator) -> str:
    """How an operator's changes are recorded in the registry audit."""
    return f"operator:{operator.email}"
