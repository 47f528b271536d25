"""Which accreditations cover which accredited services, where and when (`catalog_coverage`).

An accredited service may be shown only while an accreditation of its cooperative, for its
category, in one of its comuni is in force. Checked from the accreditations at every search,
that is a join over the whole catalog; kept here as rows (one per service and accreditation), it
is one indexed lookup. The rows follow the services (`save_service`) and the accreditations (the
cooperatives plugin's `condiviso_records_changed`); `refresh()` rebuilds them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from condiviso.plugin_api import db
from plugins.catalog.models import Coverage, ProviderType, Service, service_comune
from plugins.cooperatives.models import Accreditation

_COLUMNS = ["service_id", "accreditation_id", "comune_id", "valid_from", "valid_to"]


def refresh(
    service_ids: Iterable[int] | None = None, accreditation_ids: Iterable[int] | None = None
) -> None:
    """Rewrite the coverage of these services, or of these accreditations, or (neither given)
    of everything. The caller commits."""
    table = Coverage.__table__
    source = (
        sa.select(
            service_comune.c.service_id,
            Accreditation.id,
            Accreditation.comune_id,
            Accreditation.valid_from,
            Accreditation.valid_to,
        )
        .join(Service, Service.id == service_comune.c.service_id)
        .join(
            Accreditation,
            sa.and_(
                Accreditation.cooperative_id == Service.cooperative_id,
                Accreditation.category_id == Service.category_id,
                Accreditation.comune_id == service_comune.c.comune_id,
            ),
        )
        .where(Service.provider_type == ProviderType.ACCREDITED.value)
    )
    stale = sa.delete(table)
    if service_ids is not None:
        ids = list(service_ids)
        source = source.where(Service.id.in_(ids))
        stale = stale.where(table.c.service_id.in_(ids))
    if accreditation_ids is not None:
        ids = list(accreditation_ids)
        source = source.where(Accreditation.id.in_(ids))
        stale = stale.where(table.c.accreditation_id.in_(ids))
    db.session.execute(stale)
    db.session.execute(sa.insert(table).from_select(_COLUMNS, source))


def covered_on(day: date, comune_id: int | None = None) -> sa.Exists:
    """The service (of the enclosing query) is covered on `day`, in that comune if given."""
    where = [
        Coverage.service_id == Service.id,
        Coverage.valid_from <= day,
        sa.or_(Coverage.valid_to.is_(None), Coverage.valid_to >= day),
    ]
    if comune_id is not None:
        where.append(Coverage.comune_id == comune_id)
    return sa.exists().where(*where).correlate(Service)
