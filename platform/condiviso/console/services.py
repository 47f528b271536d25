"""What the console shows, read from the registry."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.tenancy.models import Tenant, TenantStatus


def district_rows() -> list[Tenant]:
    """Every district that is not offboarded, by name."""
    return list(
        db.session.scalars(
            sa.select(Tenant)
            .where(Tenant.status != TenantStatus.OFFBOARDED)
            .order_by(Tenant.display_name)
        )
    )
