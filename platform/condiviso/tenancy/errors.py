"""Errors of the tenancy domain."""

from flask_babel import gettext as _

from condiviso.errors import CondivisoError


class TenantSuspended(CondivisoError):
    """A write reached a suspended tenant: its data is kept, read-only."""

    status = 503

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or _(
                "Questo portale è temporaneamente sospeso: puoi consultare i contenuti, ma non "
                "è possibile inviare o modificare dati. I tuoi dati sono conservati."
            )
        )

    def title(self) -> str:
        return _("Portale in sola lettura")
