"""The Social Points of a tenant definition: the Tradate sample district gets its desks, with
hours and the sample operator on duty, so a newcomer can book at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from condiviso import clock
from condiviso.districts.definitions import apply_definition
from condiviso.errors import InvalidInput
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.social_point import desks, services
from plugins.social_point.definition import import_desks
from plugins.social_point.models import SocialPoint
from tests.conftest import PLATFORM_DOMAIN

TRADATE = Path(__file__).resolve().parents[2] / "tenants" / "tradate"


def test_the_tradate_sample_has_desks_staffed_by_the_sample_operator(app, host_client):
    with app.app_context():
        apply_definition(TRADATE / "tenant.toml", "test:definition")
        apply_definition(TRADATE / "tenant.toml", "test:definition")  # again: same result
        with tenant_context("tradate"):
            points = desks.points()
            assert [p.name for p in points] == [
                "Social Point di Tradate (esempio)",
                "Social Point di Venegono Superiore (esempio)",
            ]
            tradate = points[0]
            assert tradate.comune.istat_code == "012127" and tradate.step_free
            operators = {d.user_id for d in tradate.duties}
            (operator,) = [u for u in desks.operators() if u.id in operators]
            assert operator.email == "operatore@tradate.example.org"
            assert sorted({d.weekday for d in tradate.duties}) == [0, 2, 4]
            first = clock.local_now().date()
            assert services.free_slots(tradate, first, first + timedelta(days=31))
    page = host_client(f"tradate.{PLATFORM_DOMAIN}").get("/social-point")
    assert "Social Point di Venegono Superiore (esempio)" in page.text


def test_a_wrong_desk_is_refused_with_its_position(app, tmp_path):
    from tests.districts import provision

    provision(app, "desks-wrong", "Ambito dei Social Point sbagliati", plugins={"social_point": {}})
    (tmp_path / "desks.toml").write_text(
        '[[points]]\nname = "Senza comune"\naddress = "Via Roma 1"\nmodes = ["in_person"]\n'
    )
    with app.app_context(), tenant_context("desks-wrong"):
        with pytest.raises(InvalidInput) as refused:
            import_desks({"desks": "desks.toml"}, tmp_path)
        assert "plugins.social_point.desks.0.comune_id" in refused.value.errors
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SocialPoint)) == 0
