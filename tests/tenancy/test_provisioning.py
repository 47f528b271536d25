"""Provisioning and declarative definitions: idempotent, resumable, validated before any change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from condiviso.districts import provisioning
from condiviso.districts.definitions import apply_definition
from condiviso.errors import InvalidInput
from condiviso.extensions import db
from condiviso.tenancy import TenantStatus, registry, tenant_context
from condiviso.tenancy.databases import database_exists
from condiviso.tenancy.models import RegistryAudit, Tenant, TenantDomain, TenantPlugin
from condiviso.territory.models import Comune
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import ACTOR
from tests.tenancy.definitions import write_definition

REPOSITORY = Path(__file__).resolve().parents[2]


def _counts(app, slug):
    with app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
        domains = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(TenantDomain)
            .where(TenantDomain.tenant_id == tenant.id)
        )
        plugins = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(TenantPlugin)
            .where(TenantPlugin.tenant_id == tenant.id)
        )
        registered = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RegistryAudit)
            .where(RegistryAudit.tenant_slug == slug, RegistryAudit.action == "tenant.registered")
        )
        with tenant_context(slug):
            comuni = db.session.scalar(sa.select(sa.func.count()).select_from(Comune))
        return {
            "status": tenant.status,
            "domains": domains,
            "plugins": plugins,
            "registered": registered,
            "comuni": comuni,
        }


def _slug() -> str:
    return f"p{uuid.uuid4().hex[:10]}"


def test_apply_creates_then_is_idempotent(app, host_client, tmp_path):
    slug = _slug()
    path = write_definition(tmp_path / slug, slug)
    with app.app_context():
        first = apply_definition(path, ACTOR)
        audit_rows = db.session.scalar(sa.select(sa.func.count()).select_from(RegistryAudit))
        second = apply_definition(path, ACTOR)
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(RegistryAudit)) == audit_rows
        )
    assert first.created and "database: created" in first.changes
    assert second.changes == []
    assert _counts(app, slug) == {
        "status": TenantStatus.ACTIVE,
        "domains": 1,
        "plugins": 1,
        "registered": 1,
        "comuni": 2,
    }
    page = host_client(f"{slug}.welfare.example").get("/")
    assert page.status_code == 200 and "Castelseprio" in page.text
    assert "Portale dimostrativo" in page.text  # a sample tenant says so on every page


def test_create_only_leaves_an_existing_tenant_alone(app, tmp_path):
    slug = _slug()
    path = write_definition(tmp_path / slug, slug)
    with app.app_context():
        apply_definition(path, ACTOR)
        registry.update_tenant(slug, ACTOR, display_name="Renamed in the console")
        report = apply_definition(path, ACTOR, create_only=True)
        assert report.skipped
        assert registry.get_tenant(slug).display_name == "Renamed in the console"


def test_invalid_definition_changes_nothing(app, tmp_path):
    slug = _slug()
    path = write_definition(tmp_path / slug, slug, extra='primary_color = "#ffcc00"')
    (path / "tenant.toml").write_text(
        (path / "tenant.toml").read_text().replace('primary_color = "#0b5d8f"\n', "")
    )
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(RegistryAudit))
        with pytest.raises(InvalidInput) as refused:
            apply_definition(path, ACTOR)
        assert "plugins.branding.settings.primary_color" in refused.value.errors
        assert "4,5:1" in " ".join(refused.value.errors["plugins.branding.settings.primary_color"])
        assert db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug)) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistryAudit)) == before
    assert not database_exists(app.config, services_url(app, slug))


def services_url(app, slug):
    from condiviso.tenancy.databases import tenant_database_url

    return tenant_database_url(app.config, slug)


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("slug = 'x'\n", "display_name"),
        ("this is not toml", "tenant.toml"),
        ('slug = "Bad Slug"\ndisplay_name = "x"\n', "slug"),
        (
            'slug = "okslug"\ndisplay_name = "x"\n[[comuni]]\nistat = "12"\nname = "x"\n',
            "comuni.0.istat",
        ),
        (
            'slug = "okslug"\ndisplay_name = "x"\n[plugins.nonexistent]\nenabled = true\n',
            "plugins.nonexistent",
        ),
    ],
)
def test_malformed_definitions_are_refused_with_the_field(app, tmp_path, content, field):
    (tmp_path / "tenant.toml").write_text(content)
    with app.app_context(), pytest.raises(InvalidInput) as refused:
        apply_definition(tmp_path, ACTOR)
    assert field in refused.value.errors


_KILLER = """
import json, os, signal, sys
from condiviso.app import create_app
from condiviso.districts import definitions
from condiviso.tenancy import lifecycle
from condiviso.territory import hooks as territory_hooks

settings, path, stage = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
app = create_app(settings, environ={})

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if stage == "before-activation":
    lifecycle.activate_tenant = die
elif stage == "before-comuni":
    territory_hooks.sync_comuni = die
with app.app_context():
    definitions.apply_definition(path, "test:killed")
"""


@pytest.mark.parametrize("stage", ["before-comuni", "before-activation"])
def test_provisioning_killed_half_way_resumes_without_duplicates(app, host_client, tmp_path, stage):
    slug = _slug()
    path = write_definition(tmp_path / slug, slug)
    killed = subprocess.run(
        [sys.executable, "-c", _KILLER, json.dumps(app.test_settings), str(path), stage],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
    )
    assert killed.returncode == -9, killed.stderr
    with app.app_context():
        assert registry.get_tenant(slug).status is TenantStatus.PROVISIONING
    assert host_client(f"{slug}.{PLATFORM_DOMAIN}").get("/").status_code == 404

    with app.app_context():
        apply_definition(path, ACTOR)
    assert _counts(app, slug) == {
        "status": TenantStatus.ACTIVE,
        "domains": 1,
        "plugins": 1,
        "registered": 1,
        "comuni": 2,
    }
    assert host_client(f"{slug}.{PLATFORM_DOMAIN}").get("/").status_code == 200


def test_provision_tenant_is_idempotent(app):
    slug = _slug()
    with app.app_context():
        first = provisioning.provision_tenant(slug, "Ambito di prova", ACTOR)
        second = provisioning.provision_tenant(slug, "Ambito di prova", ACTOR)
        assert first == second
        actions = db.session.scalars(
            sa.select(RegistryAudit.action).where(RegistryAudit.tenant_slug == slug)
        ).all()
    assert sorted(actions) == ["tenant.activated", "tenant.registered"]


def test_postgresql_tenants_are_named_after_their_slug(app):
    slug = _slug()
    with app.app_context():
        info = provisioning.provision_tenant(slug, "Ambito", ACTOR)
    url = sa.make_url(info.database_url)
    if app.config["TENANT_DATABASE_SERVER"]:
        assert url.database == f"{app.config['DATABASE_NAME_PREFIX']}t_{slug}"
    else:
        assert url.database == f"tenants/{slug}/tenant.sqlite"
