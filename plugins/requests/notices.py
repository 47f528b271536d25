"""Who is told what about a request: the person who asked, by e-mail in their language, and the
desk that delivers the service; and the words for a request's state."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from condiviso.plugin_api import Comune, EnumLabels, current_tenant, db, send_mail, tenant_url
from plugins.cooperatives.models import Cooperative
from plugins.requests.models import Request, RequestMessage, Status

status_label = EnumLabels(
    {
        Status.SENT: _l("inviata"),
        Status.TAKEN: _l("presa in carico"),
        Status.IN_PROGRESS: _l("in corso"),
        Status.CLOSED: _l("conclusa"),
        Status.CANCELLED: _l("annullata"),
        Status.REFUSED: _l("rifiutata"),
    }
)


def tell_citizen(request: Request, template: str) -> None:
    """E-mail the person who asked (a guest too, if they left an address) about their request."""
    address = request.contact_email
    if not address:
        return
    locale = request.requester.locale if request.requester is not None else "it"
    url = (
        tenant_url(current_tenant(), f"/le-mie-richieste/{request.id}")
        if request.requester is not None
        else None
    )
    send_mail(
        current_tenant(),
        address,
        template,
        locale,
        request=request,
        url=url,
        status=status_label(request.status),
    )


def desk_address(request: Request) -> str | None:
    """The address of the desk that delivers the service: its cooperative's, or its comune's."""
    if request.cooperative_id is not None:
        cooperative = db.session.get(Cooperative, request.cooperative_id)
        return cooperative.email if cooperative is not None else None
    comune = db.session.get(Comune, request.comune_id) if request.comune_id else None
    return comune.contact_email if comune is not None else None


def tell_desk(request: Request, message: RequestMessage | None = None) -> None:
    """E-mail the desk about a new request, or a new message on one."""
    address = desk_address(request)
    if address:
        send_mail(
            current_tenant(),
            address,
            "request_for_desk",
            "it",
            request=request,
            message=message,
            url=tenant_url(current_tenant(), f"/admin/richieste/{request.id}"),
        )
