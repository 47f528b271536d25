"""Fixtures of the service network's tests: a district with the plugin on, its comuni, its
district admin signed in through the real form, and the network's rows to compare."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.tenancy import TenantInfo, tenant_context
from condiviso.territory.models import Comune
from plugins.cooperatives.models import Accreditation, Category, Cooperative, CooperativeArea
from tests.accounts.flows import post_form, unique_email
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import comune, provision
from tests.people import PASSWORD, make_user

COMUNI = [
    comune("012127", "Tradate"),
    comune("012044", "Castelseprio"),
    comune("012136", "Venegono Inferiore"),
]
# Partite IVA with a valid check digit (invented numbers).
IVA_A = "01234560017"
IVA_B = "07654320014"
IVA_C = "12345670124"
# A codice fiscale of 16 characters with a valid check character (invented person).
CODICE_FISCALE = "RSSMRA85T10A562S"


@pytest.fixture
def district(app) -> TenantInfo:
    """A district of its own with the cooperatives plugin on and three comuni."""
    slug = f"rete-{uuid.uuid4().hex[:8]}"
    return provision(
        app, slug, "Ambito di prova (rete dei servizi)", plugins={"cooperatives": {}}, comuni=COMUNI
    )


@pytest.fixture
def admin(app, district, host_client):
    """A client signed in as the district's admin."""
    email = unique_email("admin")
    make_user(app, district.slug, email, "district_admin")
    client = host_client(f"{district.slug}.{PLATFORM_DOMAIN}")
    assert post_form(client, "/accedi", {"email": email, "password": PASSWORD}).status_code == 302
    return client


@contextmanager
def inside(app, district: TenantInfo | str) -> Iterator[None]:
    """The district's data (a tenant, or its slug), outside a request."""
    slug = district if isinstance(district, str) else district.slug
    with app.app_context(), tenant_context(slug):
        yield


def comune_ids(app, district: TenantInfo | str) -> dict[str, int]:
    """ISTAT code -> id of the district's comuni."""
    with inside(app, district):
        return dict(db.session.execute(sa.select(Comune.istat_code, Comune.id)).all())


def network_rows(app, district: TenantInfo | str) -> dict[str, list[tuple]]:
    """Every row of the network's tables, to show that something did or did not change."""
    with inside(app, district):
        return {
            model.__tablename__: [
                tuple(row)
                for row in db.session.execute(
                    sa.select(model.__table__).order_by(*model.__table__.primary_key.columns)
                )
            ]
            for model in (Category, Cooperative, CooperativeArea, Accreditation)
        }
