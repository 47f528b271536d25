"""A district's plugins from the console: enable, configure (the form comes from the plugin's
settings schema), disable."""

from __future__ import annotations

from condiviso.plugins import enablement
from condiviso.tenancy import registry
from tests.clients import csrf_token
from tests.conftest import PLATFORM_DOMAIN
from tests.console.conftest import audit_rows
from tests.districts import ACTOR


def _branding(app, slug: str) -> tuple[bool, dict] | None:
    with app.app_context():
        row = registry.get_tenant(slug).plugin("branding")
        return None if row is None else (row.enabled, dict(row.settings))


def _configure(console, slug: str, data: dict[str, str]):
    page = console.get(f"/console/distretti/{slug}/plugin/branding")
    assert page.status_code == 200
    return console.post(
        f"/console/distretti/{slug}/plugin/branding",
        data={**data, "csrf_token": csrf_token(page.text)},
    )


def test_a_plugin_is_enabled_and_disabled(app, console, actor, host_client, new_tenant):
    slug = new_tenant().slug
    portal = host_client(f"{slug}.{PLATFORM_DOMAIN}")
    assert portal.get("/contatti").status_code == 404

    assert console.submit(f"/console/distretti/{slug}/plugin/branding/attiva").status_code == 302
    assert _branding(app, slug)[0] is True
    assert portal.get("/contatti").status_code == 200

    assert console.submit(f"/console/distretti/{slug}/plugin/branding/disattiva").status_code == 302
    assert _branding(app, slug)[0] is False
    assert portal.get("/contatti").status_code == 404

    changes = [(who, action) for who, action, _d in audit_rows(app, slug)[-2:]]
    assert changes == [(actor, "plugin.enabled"), (actor, "plugin.disabled")]


def test_the_settings_form_comes_from_the_schema_and_saves(app, console, actor, new_tenant):
    slug = new_tenant(plugins={"branding": {}}).slug
    page = console.get(f"/console/distretti/{slug}/plugin/branding")
    assert 'for="f-primary_color"' in page.text and 'id="f-contacts-email"' in page.text
    response = _configure(
        console,
        slug,
        {"primary_color": "#0B3D91", "contacts.email": "urp@esempio.it", "display_name": "Welfare"},
    )
    assert response.status_code == 302
    enabled, settings = _branding(app, slug)
    assert enabled and settings["primary_color"] == "#0b3d91"
    assert settings["contacts"] == {"email": "urp@esempio.it"}
    assert settings["display_name"] == "Welfare"
    who, action, details = audit_rows(app, slug)[-1]
    assert (who, action, details["plugin"]) == (actor, "plugin.enabled", "branding")


def test_invalid_settings_are_shown_on_their_fields_and_change_nothing(app, console, new_tenant):
    slug = new_tenant(plugins={"branding": {"primary_color": "#0b3d91"}}).slug
    before, trail = _branding(app, slug), audit_rows(app, slug)
    response = _configure(
        console, slug, {"primary_color": "#ffcc00", "contacts.email": "non-un-indirizzo"}
    )
    assert response.status_code == 400
    assert 'id="f-primary_color-error"' in response.text and "4,5:1" in response.text
    assert 'id="f-contacts-email-error"' in response.text
    assert 'aria-describedby="f-contacts-email-error"' in response.text
    assert 'value="#ffcc00"' in response.text  # what was typed is kept for correcting
    assert _branding(app, slug) == before
    assert audit_rows(app, slug) == trail


def test_saving_settings_keeps_what_the_form_does_not_show(app, console, new_tenant):
    logo = "a" * 64
    slug = new_tenant(plugins={"branding": {}}).slug
    with app.app_context():
        enablement.set_plugin(slug, "branding", ACTOR, True, {"logo": logo})
    assert _configure(console, slug, {"primary_color": "#0b3d91"}).status_code == 302
    _enabled, settings = _branding(app, slug)
    assert settings["logo"] == logo and settings["primary_color"] == "#0b3d91"


def test_settings_of_a_disabled_plugin_enable_it_when_saved(app, console, new_tenant):
    slug = new_tenant().slug
    page = console.get(f"/console/distretti/{slug}/plugin/branding")
    assert "Salva e attiva" in page.text
    assert _configure(console, slug, {"primary_color": "#0b3d91"}).status_code == 302
    enabled, settings = _branding(app, slug)
    assert enabled and settings["primary_color"] == "#0b3d91"


def test_an_unknown_plugin_is_not_found(app, console, new_tenant):
    slug = new_tenant().slug
    assert console.get(f"/console/distretti/{slug}/plugin/nessuno").status_code == 404
    response = console.submit(f"/console/distretti/{slug}/plugin/nessuno/attiva")
    assert response.status_code == 404
