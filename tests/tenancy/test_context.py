"""Outside a request, code names its tenant; with none bound, tenant data is out of reach."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from condiviso.database.binding import bound_binding
from condiviso.extensions import db
from condiviso.tenancy import NoTenantBound, current_tenant, tenant_context
from condiviso.tenancy.models import Tenant
from condiviso.territory.models import Comune
from tests.conftest import assert_no_tenant_bound
from tests.districts import comune


def test_tenant_data_without_a_tenant_raises_a_clear_error(app, alpha):
    with app.app_context(), pytest.raises(NoTenantBound, match="tenant_context"):
        db.session.scalars(sa.select(Comune)).all()


def test_platform_data_needs_no_tenant(app, alpha):
    with app.app_context():
        assert db.session.scalar(sa.select(Tenant.slug).where(Tenant.slug == "alpha")) == "alpha"


def test_tenant_context_binds_for_the_block_only(app, alpha):
    with app.app_context():
        with tenant_context("alpha") as tenant:
            assert current_tenant() is tenant
            assert tenant.slug == "alpha"
        assert bound_binding() is None
        with pytest.raises(RuntimeError), tenant_context("alpha"):
            raise RuntimeError("boom")
        assert bound_binding() is None


def test_unknown_tenant_is_an_error_not_a_fallback(app):
    from condiviso.errors import NotFound

    with app.app_context(), pytest.raises(NotFound), tenant_context("does-not-exist"):
        pass


def test_each_tenant_context_has_its_own_session(app, new_tenant):
    """Objects loaded for one tenant are never served from the identity map to another."""
    first = new_tenant(comuni=[comune("012127", "Tradate")])
    second = new_tenant(comuni=[comune("012119", "Saronno")])
    with app.app_context(), tenant_context(first.slug):
        outer = db.session.get(Comune, 1)
        with tenant_context(second.slug):
            inner = db.session.get(Comune, 1)
            assert inner.name == "Saronno"
        assert db.session.get(Comune, 1) is outer
        assert outer.name == "Tradate"


def test_a_test_leaving_a_tenant_bound_fails(app, alpha):
    context = tenant_context("alpha", app)
    with app.app_context():
        context.__enter__()
        try:
            with pytest.raises(pytest.fail.Exception, match="left tenant 'alpha' bound"):
                assert_no_tenant_bound()
        finally:
            context.__exit__(None, None, None)
    assert_no_tenant_bound()
