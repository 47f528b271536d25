"""Asking for a service, and answering: who sees which request, what may change, who is told."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from condiviso.plugin_api import (
    Conflict,
    InvalidInput,
    NotFound,
    Role,
    current_version,
    db,
    district_key,
    record_access,
    utcnow,
)
from plugins.catalog.models import ProviderType, Service
from plugins.requests.models import OPEN, TRANSITIONS, Request, RequestEvent, RequestMessage, Status
from plugins.requests.notices import status_label, tell_citizen, tell_desk

RECORD = "requests.request"


def _label(user) -> str:
    # A citizen registered at a desk may have a phone number and no e-mail.
    return f"{user.full_name} <{user.username}>" if user is not None else _("Ospite")


def desk_of(service: Service) -> tuple[int | None, int | None]:
    """(cooperative_id, comune_id) of the desk that answers requests for a service."""
    if service.provider_type == ProviderType.PUBLIC.value:
        return None, service.comune_id
    return service.cooperative_id, None


# -- asking ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuestContact:
    """Who asks without an account and how the desk reaches them: a phone, an e-mail, or both
    (the privacy notice they consented to on the form is recorded with the request)."""

    name: str
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class RequestInput:
    """What a request says: the need, when to call, and for a guest how to reach them."""

    message: str
    preferred_times: str | None = None
    guest: GuestContact | None = None


def submission_key(token: str, user, filed_by=None) -> str:
    """What a request remembers of the form that sent it: the form's token, keyed with the
    district's secret and scoped to who sent it (a guest, a citizen, or staff for a citizen).
    A token chosen by a client can then never name someone else's request, and the key, which
    confirmation links carry, cannot be guessed from it."""
    scope = f"user:{user.id}" if user is not None else "guest"
    if filed_by is not None:
        scope += "|filed-by-staff"  # never a scope the citizen's own form reaches
    key = district_key("requests:submission")
    return hmac.new(key, f"{scope}|{token}".encode(), hashlib.sha256).hexdigest()


def create_request(
    service: Service, user, asked: RequestInput, token: str, filed_by=None
) -> Request:
    """A new request, or the one this same form already created (a double submission): a
    request of the same sender, for the same service, with the same form token
    (`submission_key`). The form has checked what was written (`forms.RequestForm`); a guest's
    request (`user` None) carries the guest's contact.

    `filed_by`: the member of staff filing it for `user`, a citizen sitting with them (a care
    plan's item, say); the request's history names who filed it."""
    if (user is None) != (asked.guest is not None):
        raise ValueError("a guest's request carries the guest's contact, and only a guest's")
    key = submission_key(token, user, filed_by)
    existing = _submitted(key, service)
    if existing is not None:
        return existing
    cooperative_id, comune_id = desk_of(service)
    guest = asked.guest
    request = Request(
        service_id=service.id,
        cooperative_id=cooperative_id,
        comune_id=comune_id,
        requester_user_id=user.id if user is not None else None,
        consent_version=current_version("privacy", "it") if user is None else None,
        message=asked.message,
        preferred_times=asked.preferred_times,
        status=Status.SENT.value,
        submission_token=key,
        guest_name=guest.name if guest is not None else None,
        guest_phone=guest.phone if guest is not None else None,
        guest_email=guest.email if guest is not None else None,
    )
    db.session.add(request)
    try:
        db.session.flush()
    except IntegrityError:  # the same form, sent twice at once
        db.session.rollback()
        existing = _submitted(key, service)
        if existing is None:  # the same token used for another service: a forged form
            raise InvalidInput(
                {"_schema": [_("Il modulo non è valido: ricarica la pagina e riprova.")]}
            ) from None
        return existing
    request.events.append(
        RequestEvent(
            actor_label=_label(filed_by or user),
            status_from=None,
            status_to=Status.SENT.value,
            note=_("inserita da %(name)s", name=filed_by.full_name) if filed_by else None,
        )
    )
    db.session.commit()
    tell_citizen(request, "request_received")
    tell_desk(request)
    return request


def _submitted(key: str, service: Service) -> Request | None:
    return db.session.scalar(
        sa.select(Request).where(Request.submission_token == key, Request.service_id == service.id)
    )


def sent_request(request_id: int, key: str) -> Request:
    """The request a confirmation link names; the whole key is needed, compared in constant
    time, so that walking the ids shows nothing."""
    request = db.session.get(Request, request_id)
    if request is None or not hmac.compare_digest(request.submission_token, key):
        raise NotFound(_("La richiesta che cerchi non esiste."))
    return request


# -- the citizen's own requests ------------------------------------------------------------------


def my_requests(user) -> list[Request]:
    return list(
        db.session.scalars(
            sa.select(Request)
            .where(Request.requester_user_id == user.id)
            .order_by(Request.id.desc())
        )
    )


def my_request(user, request_id: int) -> Request:
    request = db.session.scalar(
        sa.select(Request).where(Request.id == request_id, Request.requester_user_id == user.id)
    )
    if request is None:
        raise NotFound(_("La richiesta che cerchi non esiste."))
    return request


def cancel(request: Request, user) -> None:
    """The citizen withdraws a request that is still open."""
    _move(request, Status.CANCELLED, user, None)


# -- staff ---------------------------------------------------------------------------------------


def _scope(user) -> sa.ColumnElement[bool]:
    """The requests a member of staff may see: their cooperative's, their comune's desk, or
    all of them (district admin)."""
    if user.has_role(Role.DISTRICT_ADMIN):
        return sa.true()
    cooperatives = {
        g.cooperative_id
        for g in user.grants
        if g.role == Role.COOPERATIVE_STAFF and g.cooperative_id
    }
    comuni = user.comune_scope()
    return sa.or_(
        Request.cooperative_id.in_(cooperatives) if cooperatives else sa.false(),
        Request.comune_id.in_(comuni) if comuni else sa.false(),
    )


@dataclass(frozen=True)
class InboxFilters:
    status: str | None = None
    service_id: int | None = None
    comune_id: int | None = None
    older_than_days: int | None = None
    service_words: str | None = None  # words of the service's title


def inbox(
    user, filters: InboxFilters, page: int = 1, per_page: int = 25
) -> tuple[list[Request], int]:
    """The staff member's requests, newest first, filtered; and how many match."""
    query = sa.select(Request).where(_scope(user))
    if filters.status is not None:
        query = query.where(Request.status == filters.status)
    if filters.service_id is not None:
        query = query.where(Request.service_id == filters.service_id)
    if filters.comune_id is not None:
        from plugins.catalog.models import service_comune

        query = query.where(
            sa.or_(
                Request.comune_id == filters.comune_id,
                Request.service_id.in_(
                    sa.select(service_comune.c.service_id).where(
                        service_comune.c.comune_id == filters.comune_id
                    )
                ),
            )
        )
    if filters.service_words:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", filters.service_words.strip()) + "%"
        query = query.where(
            Request.service_id.in_(
                sa.select(Service.id).where(Service.title.ilike(pattern, escape="\\"))
            )
        )
    if filters.older_than_days is not None:
        query = query.where(
            Request.created_at <= utcnow() - timedelta(days=filters.older_than_days)
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(Request.created_at.desc(), Request.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), int(total or 0)


def staff_request(user, request_id: int) -> Request:
    """A request of the staff member's desk, its reading audited; 404 for anyone else's."""
    request = db.session.scalar(sa.select(Request).where(Request.id == request_id, _scope(user)))
    if request is None:
        raise NotFound(_("La richiesta che cerchi non esiste."))
    record_access("read", RECORD, request.id, subject_user_id=request.requester_user_id)
    db.session.commit()
    return request


def change_status(request: Request, user, target: Status, reason: str | None) -> None:
    """Staff move a request on, with a note the citizen reads (a refusal's reason: the form
    asks for one)."""
    _move(request, target, user, reason)
    record_access(
        "update",
        RECORD,
        request.id,
        subject_user_id=request.requester_user_id,
        reason=f"status {target.value}",
    )
    db.session.commit()


def _move(request: Request, target: Status, user, note: str | None) -> None:
    current = Status(request.status)
    if target not in TRANSITIONS[current]:
        raise Conflict(
            _(
                "La richiesta è «%(status)s»: non può passare a «%(target)s».",
                status=status_label(current),
                target=status_label(target),
            )
        )
    request.status = target.value
    if target is Status.REFUSED:
        request.refusal_reason = note
    request.events.append(
        RequestEvent(
            actor_label=_label(user), status_from=current.value, status_to=target.value, note=note
        )
    )
    db.session.commit()
    tell_citizen(request, "request_status")


def add_message(request: Request, user, body: str, from_staff: bool) -> RequestMessage:
    """A message on an open request, from the citizen or from the desk, who is told."""
    if Status(request.status) not in OPEN:
        raise Conflict(_("La richiesta è chiusa: non si possono aggiungere messaggi."))
    message = RequestMessage(
        request_id=request.id,
        author_user_id=user.id,
        author_label=user.full_name,
        from_staff=from_staff,
        body=body,
    )
    db.session.add(message)
    if from_staff:
        record_access(
            "update",
            RECORD,
            request.id,
            subject_user_id=request.requester_user_id,
            reason="message",
        )
    db.session.commit()
    if from_staff:
        tell_citizen(request, "request_message")
    else:
        tell_desk(request, message)
    return message


# -- erasure ---------------------------------------------------------------------------------------


def erase_person(user) -> None:
    """A person deleted their account: their requests keep service, desk, dates and status (the
    district's record of what was asked and done), lose what the person wrote and how to reach
    them; the open ones are withdrawn, so no desk works on a request nobody can follow. The
    caller commits."""
    label = _label(user)
    erased = _("Persona che ha eliminato l'account")
    requests = db.session.scalars(sa.select(Request).where(Request.requester_user_id == user.id))
    for request in requests:
        request.message = ""
        request.preferred_times = None
        request.guest_name = request.guest_phone = request.guest_email = None
        if Status(request.status) in OPEN:
            request.events.append(
                RequestEvent(
                    actor_label=erased,
                    status_from=request.status,
                    status_to=Status.CANCELLED.value,
                    note=_("Annullata: la persona ha eliminato l'account."),
                )
            )
            request.status = Status.CANCELLED.value
        for message in request.messages:
            if message.author_user_id == user.id:
                message.body = ""
                message.author_label = erased
        for event in request.events:
            if event.actor_label == label:
                event.actor_label = erased
