"""What citizens see of the catalog: the services that may be shown today, the search with its
filters, one service's page."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import Comune, NotFound, db, today
from plugins.catalog import coverage, search
from plugins.catalog.models import (
    Delivery,
    PriceKind,
    ProviderType,
    Service,
    ServiceStatus,
    service_comune,
)
from plugins.cooperatives.services import accredited_comuni


@dataclass(frozen=True)
class Filters:
    query: str = ""
    comune_id: int | None = None
    category_id: int | None = None
    provider_type: str | None = None
    free_only: bool = False
    delivery: str | None = None


def visible_services() -> sa.Select:
    """Published services; an accredited one only while an accreditation covers it."""
    return sa.select(Service).where(
        Service.status == ServiceStatus.PUBLISHED.value,
        sa.or_(
            Service.provider_type != ProviderType.ACCREDITED.value, coverage.covered_on(today())
        ),
    )


def find_services(filters: Filters, page: int = 1, per_page: int = 20) -> tuple[list[Service], int]:
    """The services matching a citizen's search and filters, best first; and how many."""
    query = visible_services()
    if filters.comune_id is not None:
        query = query.where(
            Service.id.in_(
                sa.select(service_comune.c.service_id).where(
                    service_comune.c.comune_id == filters.comune_id
                )
            )
        )
        query = query.where(
            sa.or_(
                Service.provider_type != ProviderType.ACCREDITED.value,
                coverage.covered_on(today(), filters.comune_id),
            )
        )
    if filters.category_id is not None:
        query = query.where(Service.category_id == filters.category_id)
    if filters.provider_type is not None:
        query = query.where(Service.provider_type == filters.provider_type)
    if filters.free_only:
        query = query.where(Service.price_kind == PriceKind.FREE.value)
    if filters.delivery is not None:
        # The list is stored as JSON text on both databases: its quoted items match alike.
        query = query.where(
            sa.cast(Service.delivery, sa.Text).like(f'%"{Delivery(filters.delivery).value}"%')
        )
    match = search.parse(filters.query) if filters.query else None
    if filters.query and match is None:
        return [], 0
    query = search.order_and_filter(query, match)
    # One query gives the page and, counted over every match, the total.
    rows = db.session.execute(
        query.add_columns(sa.func.count().over()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    if rows:
        return [service for service, _total in rows], rows[0][1]
    if page == 1:
        return [], 0
    return [], db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def published_service(slug: str) -> Service:
    service = db.session.scalar(visible_services().where(Service.slug == slug))
    if service is None:
        raise NotFound(_("Il servizio che cerchi non esiste o non è più disponibile."))
    return service


def accredited_in(service: Service) -> list[Comune]:
    """The comuni where an accredited service is accredited today."""
    if service.provider_type != ProviderType.ACCREDITED.value or service.cooperative_id is None:
        return []
    ids = accredited_comuni(service.cooperative_id, service.category_id)
    return [c for c in service.comuni if c.id in ids]
