"""What registration, the account page and the desk check alike: codice fiscale, comune,
a new password."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from codicefiscale import codicefiscale
from flask_babel import gettext as _

from condiviso.accounts.models import User
from condiviso.accounts.passwords import (
    password_problems,
)
from condiviso.errors import InvalidInput
from condiviso.extensions import db
from condiviso.territory.models import Comune


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
