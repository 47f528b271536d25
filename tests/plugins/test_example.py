"""The example plugin of docs/plugins.md, loaded beside the installed plugins as a deployment
would load it: its settings are validated, its page and menu entry appear only where it is
enabled, and it is written against the plugin API alone (scripts/check_imports.py)."""

from __future__ import annotations

import pytest

from condiviso.app import create_app
from condiviso.errors import InvalidInput
from condiviso.plugins import discover, enablement
from condiviso.tenancy.upgrade import upgrade_platform
from plugins.example import plugin as example_plugin
from tests.clients import HostClient
from tests.conftest import PLATFORM_DOMAIN, base_settings, close_app
from tests.districts import ACTOR, provision

COMUNI = [
    {"istat_code": "012127", "name": "Tradate", "is_lead": True},
    {"istat_code": "012044", "name": "Castelseprio"},
]


@pytest.fixture(scope="module")
def example_app(tmp_path_factory):
    settings = base_settings(tmp_path_factory.mktemp("example"))
    app = create_app(settings, plugins=[*discover(), ("example", example_plugin)], environ={})
    upgrade_platform(app)
    greeting = {"greeting": "Benvenuti tra i comuni del distretto (esempio)"}
    provision(app, "con-esempio", "Distretto con l'esempio", {"example": greeting}, COMUNI)
    provision(app, "senza-esempio", "Distretto senza l'esempio", {}, COMUNI)
    yield app
    close_app(app)


def test_the_page_shows_the_greeting_and_the_comuni_by_name(example_app):
    page = HostClient(example_app, f"con-esempio.{PLATFORM_DOMAIN}").get("/esempio")
    assert page.status_code == 200
    assert "Benvenuti tra i comuni del distretto (esempio)" in page.text
    assert page.text.index("Castelseprio") < page.text.index("Tradate")
    assert 'href="/esempio"' in page.text  # the menu entry


def test_a_district_without_the_plugin_has_neither_page_nor_menu_entry(example_app):
    client = HostClient(example_app, f"senza-esempio.{PLATFORM_DOMAIN}")
    assert client.get("/esempio").status_code == 404
    assert 'href="/esempio"' not in client.get("/").text


def test_a_bad_greeting_is_refused_and_the_stored_one_kept(example_app):
    with example_app.app_context(), pytest.raises(InvalidInput) as refused:
        enablement.set_plugin("con-esempio", "example", ACTOR, True, {"greeting": ""})
    assert refused.value.errors == {"greeting": ["Da 1 a 200 caratteri."]}
    page = HostClient(example_app, f"con-esempio.{PLATFORM_DOMAIN}").get("/esempio")
    assert "Benvenuti tra i comuni del distretto (esempio)" in page.text
