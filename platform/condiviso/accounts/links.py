"""The signed links sent by e-mail (confirming an address, resetting a password), and the one
refusal for a link that is wrong, used or too old."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from condiviso.errors import CondivisoError
from condiviso.tenancy import current_tenant
from condiviso.tenancy.keys import token_serializer

VERIFY_EMAIL_MAX_AGE = 3 * 24 * 3600
RESET_MAX_AGE = 3600


class InvalidLink(CondivisoError):
    status = 400

    def __init__(self) -> None:
        super().__init__(_("Il collegamento non è valido o è scaduto. Puoi chiederne uno nuovo."))


def email_token(purpose: str) -> Any:
    """The signer of one kind of link, with the district's own key."""
    return token_serializer(purpose, current_tenant().id)
