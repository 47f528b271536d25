"""provisioning → active → suspended (read-only, data kept) → offboarded (archived, dropped)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from condiviso.database.session import TenantSuspended
from condiviso.errors import Conflict
from condiviso.extensions import db
from condiviso.tenancy import TenantStatus, domains, lifecycle, registry, tenant_context
from condiviso.tenancy.archive import offboard_tenant
from condiviso.tenancy.databases import database_exists, tenant_directory
from condiviso.tenancy.models import RegistryAudit, Tenant
from condiviso.territory.models import Comune
from tests.conftest import PLATFORM_DOMAIN, start_app
from tests.districts import ACTOR, comune


def _count_comuni(app, slug):
    with app.app_context(), tenant_context(slug):
        return db.session.scalar(sa.select(sa.func.count()).select_from(Comune))


def test_suspended_tenant_reads_but_refuses_every_write(app, host_client, new_tenant):
    tenant = new_tenant(comuni=[comune("012127", "Tradate")])
    with app.app_context():
        lifecycle.suspend_tenant(tenant.slug, ACTOR, reason="test")
    client = host_client(f"{tenant.slug}.{PLATFORM_DOMAIN}")

    assert client.get("/comuni/012127").status_code == 200
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = client.open("/", method)
        assert response.status_code == 503
        assert "sola lettura" in response.text

    with app.app_context(), tenant_context(tenant.slug):
        db.session.add(Comune(**comune("012119", "Saronno")))
        with pytest.raises(TenantSuspended):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(sa.exc.DBAPIError):
            db.session.execute(
                sa.text(
                    "INSERT INTO comune (istat_code, name, is_lead, created_at, updated_at) "
                    "VALUES ('012050', 'Cislago', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        db.session.rollback()
    assert _count_comuni(app, tenant.slug) == 1

    with app.app_context():
        lifecycle.resume_tenant(tenant.slug, ACTOR)
    with app.app_context(), tenant_context(tenant.slug):
        db.session.add(Comune(**comune("012119", "Saronno")))
        db.session.commit()
    assert _count_comuni(app, tenant.slug) == 2


def test_suspension_reaches_another_worker(app, host_client, new_tenant):
    """A second app on the same platform database and Redis is another worker."""
    tenant = new_tenant()
    other_worker = start_app(app.test_settings)
    on_other = host_client(f"{tenant.slug}.{PLATFORM_DOMAIN}", other_worker)
    assert on_other.post("/").status_code == 405  # served and writable: routing answers

    with app.app_context():
        lifecycle.suspend_tenant(tenant.slug, ACTOR)
    assert on_other.post("/").status_code == 503


def test_offboarding_archives_then_drops(app, host_client, new_tenant):
    tenant = new_tenant(comuni=[comune("012127", "Tradate"), comune("012044", "Castelseprio")])
    with app.app_context():
        domains.add_domain(tenant.slug, f"{tenant.slug}.welfare.example", ACTOR, verified=True)
        url = registry.get_tenant(tenant.slug).database_url
        archive = offboard_tenant(tenant.slug, ACTOR)

    with zipfile.ZipFile(archive) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        rows = [json.loads(line) for line in bundle.read("tables/comune.jsonl").splitlines()]
    assert manifest["tenant"]["slug"] == tenant.slug
    assert manifest["rows"]["comune"] == 2
    assert {row["name"] for row in rows} == {"Tradate", "Castelseprio"}
    assert "core" in manifest["schema"]

    with app.app_context():
        assert not database_exists(app.config, url)
        assert not tenant_directory(app.config, tenant.slug).exists()
        row = db.session.scalar(sa.select(Tenant).where(Tenant.slug == tenant.slug))
        assert row.status is TenantStatus.OFFBOARDED
        assert row.archive_path == str(archive)
        actions = db.session.scalars(
            sa.select(RegistryAudit.action).where(RegistryAudit.tenant_slug == tenant.slug)
        ).all()
        assert {"tenant.suspended", "tenant.exported", "tenant.offboarded"} <= set(actions)
        with pytest.raises(Conflict):
            registry.register_tenant(tenant.slug, "Again", "base", ACTOR)

    assert host_client(f"{tenant.slug}.{PLATFORM_DOMAIN}").get("/").status_code == 404
    assert host_client(f"{tenant.slug}.welfare.example").get("/").status_code in (400, 404)


def test_offboarding_resumes_after_the_database_is_gone(app, new_tenant):
    tenant = new_tenant()
    with app.app_context():
        from condiviso.tenancy.archive import export_tenant
        from condiviso.tenancy.databases import drop_tenant_database

        archive = export_tenant(tenant.slug)
        lifecycle.record_archive(tenant.slug, ACTOR, str(archive))
        drop_tenant_database(app.config, registry.get_tenant(tenant.slug).database_url)
        assert offboard_tenant(tenant.slug, ACTOR) == Path(archive)
        row = db.session.scalar(sa.select(Tenant).where(Tenant.slug == tenant.slug))
        assert row.status is TenantStatus.OFFBOARDED
