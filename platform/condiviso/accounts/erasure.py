"""A person deletes their account: their data goes, the plugins' included; what the district
must keep stays linked to an anonymous record (DESIGN.md §7)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.accounts.models import ActivationCode, Consent, User
from condiviso.accounts.passwords import verify_password
from condiviso.clock import utcnow
from condiviso.errors import InvalidInput
from condiviso.extensions import db
from condiviso.plugins import tenant_hook
from condiviso.tenancy import current_tenant


def delete_account(user: User, password: str) -> None:
    """Erase the person's data. What the district must keep stays linked to an anonymous
    record (DESIGN.md §7); roles and consents go with the person."""
    if not verify_password(user.password_hash, password):
        raise InvalidInput(
            {"password": [_("La password non è corretta: l'account non è stato eliminato.")]}
        )
    anonymize(user)
    db.session.commit()


def anonymize(user: User) -> None:
    # The plugins first, while the person's name and contacts are still there to match.
    tenant = current_tenant()
    tenant_hook("condiviso_account_erased", tenant)(tenant=tenant, user=user)
    user.email = f"eliminato-{user.id}@anonimo.invalid"
    user.phone = None
    user.full_name = _("Persona che ha eliminato l'account")
    user.codice_fiscale = None
    user.comune_id = None
    user.password_hash = None
    user.email_verified_at = None
    user.activated_at = None
    user.deleted_at = utcnow()
    user.session_version += 1
    user.grants.clear()
    db.session.execute(sa.delete(Consent).where(Consent.user_id == user.id))
    db.session.execute(sa.delete(ActivationCode).where(ActivationCode.user_id == user.id))
