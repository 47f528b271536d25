"""Sample accounts for a newcomer's machine: one per role, clearly marked, never in production."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from condiviso.accounts.models import RoleGrant, User
from condiviso.accounts.passwords import hash_password
from condiviso.accounts.roles import Role
from condiviso.clock import utcnow
from condiviso.errors import Conflict
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from condiviso.tenancy.models import PlatformOperator
from condiviso.territory.models import Comune

SAMPLE_PASSWORD = "prova-condiviso-2026"
SAMPLE_MARK = "(account di prova)"


def sample_people(slug: str) -> list[tuple[str, str, Role]]:
    """(e-mail, name, role) of the sample accounts of a district."""
    domain = f"{slug}.example.org"
    return [
        (f"amministrazione@{domain}", f"Anna Amministratrice {SAMPLE_MARK}", Role.DISTRICT_ADMIN),
        (f"operatore@{domain}", f"Omar Operatore {SAMPLE_MARK}", Role.OPERATOR),
        (f"cooperativa@{domain}", f"Carla Cooperativa {SAMPLE_MARK}", Role.COOPERATIVE_STAFF),
        (f"cittadino@{domain}", f"Carlo Cittadino {SAMPLE_MARK}", Role.CITIZEN),
    ]


def ensure_sample_accounts(slug: str) -> list[tuple[str, str, str]]:
    """Create the sample accounts that are missing; (who, where, e-mail) of each, for printing.
    Refused in production."""
    with tenant_context(slug):
        created = add_sample_accounts(slug)
        db.session.commit()
    return created


def add_sample_accounts(slug: str) -> list[tuple[str, str, str]]:
    """`ensure_sample_accounts` inside the district's bound context; the caller commits."""
    if current_app.config["CONDIVISO_ENV"] == "production":
        raise Conflict(_("Gli account di prova non si creano in produzione."))
    now = utcnow()
    created = []
    operator_email = "operatore@condiviso.example.org"
    if (
        db.session.scalar(
            sa.select(PlatformOperator).where(PlatformOperator.email == operator_email)
        )
        is None
    ):
        db.session.add(
            PlatformOperator(
                email=operator_email,
                full_name=f"Paola Piattaforma {SAMPLE_MARK}",
                password_hash=hash_password(SAMPLE_PASSWORD),
            )
        )
    created.append(("platform operator", "console", operator_email))
    first_comune = db.session.scalar(sa.select(Comune.id).order_by(Comune.is_lead.desc()))
    for email, name, role in sample_people(slug):
        if db.session.scalar(sa.select(User).where(User.email == email)) is None:
            user = User(
                email=email,
                full_name=name,
                comune_id=first_comune,
                password_hash=hash_password(SAMPLE_PASSWORD),
                email_verified_at=now,
            )
            grant = RoleGrant(
                role=role.value, cooperative_id=1 if role is Role.COOPERATIVE_STAFF else None
            )
            user.grants.append(grant)
            db.session.add(user)
        created.append((role.value, slug, email))
    return created
