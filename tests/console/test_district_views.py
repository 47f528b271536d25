"""The district page: details, custom domains and the audit trail, changed from the console."""

from __future__ import annotations

import pytest

from condiviso.tenancy import domains, registry
from tests.conftest import PLATFORM_DOMAIN
from tests.console.conftest import audit_rows
from tests.districts import ACTOR


def _domains(app, slug: str) -> list[tuple[str, bool, bool]]:
    with app.app_context():
        tenant = registry.get_tenant(slug)
        return [(d.hostname, d.verified, d.is_primary) for d in tenant.domains]


def test_the_page_shows_the_district_and_its_audit_trail(app, console, new_tenant):
    tenant = new_tenant(plugins={"branding": {}})
    page = console.get(f"/console/distretti/{tenant.slug}")
    assert page.status_code == 200
    assert tenant.display_name in page.text and f"{tenant.slug}.{PLATFORM_DOMAIN}" in page.text
    assert "branding" in page.text
    assert ACTOR in page.text and "tenant.registered" in page.text and "plugin.enabled" in page.text
    for section in ("details-title", "domains-title", "plugin-title", "audit-title"):
        assert f'aria-labelledby="{section}"' in page.text and f'id="{section}"' in page.text
    assert "<script>" not in page.text and "style=" not in page.text


def test_an_unknown_district_is_not_found(console):
    assert console.get("/console/distretti/nessuno").status_code == 404


def test_a_domain_is_added_verified_and_removed(app, console, actor, new_tenant):
    slug = new_tenant().slug
    host = f"welfare.{slug}.esempio.it"
    added = console.submit(f"/console/distretti/{slug}/domini", {"hostname": host.upper()})
    assert added.status_code == 302
    assert _domains(app, slug) == [(host, False, False)]
    assert host in console.get(f"/console/distretti/{slug}").text

    assert console.submit(f"/console/distretti/{slug}/domini/{host}/verifica").status_code == 302
    assert _domains(app, slug) == [(host, True, False)]

    assert console.submit(f"/console/distretti/{slug}/domini/{host}/rimuovi").status_code == 302
    assert _domains(app, slug) == []

    changes = [(who, action, d["hostname"]) for who, action, d in audit_rows(app, slug)[-3:]]
    assert changes == [
        (actor, "domain.changed", host),
        (actor, "domain.verified", host),
        (actor, "domain.removed", host),
    ]


def test_a_domain_added_as_verified_and_primary_is_used_in_links(app, console, new_tenant):
    slug = new_tenant().slug
    host = f"servizi.{slug}.esempio.it"
    response = console.submit(
        f"/console/distretti/{slug}/domini", {"hostname": host, "verified": "y", "primary": "y"}
    )
    assert response.status_code == 302
    assert _domains(app, slug) == [(host, True, True)]
    assert f"http://{host}/" in console.get(f"/console/distretti/{slug}").text


@pytest.mark.parametrize(
    ("hostname", "message"),
    [
        ("non è un dominio", "nome di dominio valido"),
        ("", "Scrivi il nome del dominio"),
        (f"altro.{PLATFORM_DOMAIN}", "già assegnati automaticamente"),
    ],
)
def test_an_invalid_domain_is_shown_on_its_field_and_changes_nothing(
    app, console, new_tenant, hostname, message
):
    slug = new_tenant().slug
    before = audit_rows(app, slug)
    response = console.submit(f"/console/distretti/{slug}/domini", {"hostname": hostname})
    assert response.status_code == 400
    assert 'id="hostname-error"' in response.text and message in response.text
    assert 'aria-invalid="true"' in response.text
    assert _domains(app, slug) == []
    assert audit_rows(app, slug) == before


def test_a_domain_of_another_district_is_refused(app, console, new_tenant):
    owner, other = new_tenant().slug, new_tenant().slug
    host = f"welfare.{owner}.esempio.it"
    with app.app_context():
        domains.add_domain(owner, host, ACTOR)
    response = console.submit(f"/console/distretti/{other}/domini", {"hostname": host})
    assert response.status_code == 400
    assert 'id="hostname-error"' in response.text and "già assegnato" in response.text
    assert _domains(app, other) == []
    assert _domains(app, owner) == [(host, False, False)]


def test_name_and_plan_are_changed(app, console, actor, new_tenant):
    slug = new_tenant().slug
    response = console.submit(
        f"/console/distretti/{slug}", {"display_name": "Ambito rinominato", "plan": "plus"}
    )
    assert response.status_code == 302
    with app.app_context():
        tenant = registry.get_tenant(slug)
        assert (tenant.display_name, tenant.plan) == ("Ambito rinominato", "plus")
    who, action, details = audit_rows(app, slug)[-1]
    assert (who, action, details["plan"]) == (actor, "tenant.updated", ["base", "plus"])


def test_an_invalid_plan_changes_nothing_not_even_a_valid_name(app, console, new_tenant):
    tenant = new_tenant()
    before = audit_rows(app, tenant.slug)
    response = console.submit(
        f"/console/distretti/{tenant.slug}", {"display_name": "Nome nuovo", "plan": "oro"}
    )
    assert response.status_code == 400
    assert 'id="plan-error"' in response.text and "Piano sconosciuto" in response.text
    with app.app_context():
        stored = registry.get_tenant(tenant.slug)
        assert (stored.display_name, stored.plan) == (tenant.display_name, "base")
    assert audit_rows(app, tenant.slug) == before
