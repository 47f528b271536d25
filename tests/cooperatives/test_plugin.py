"""The plugin as the platform loads it: its tables and history in every tenant database, its
pages and hooks only where a district has enabled it."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.districts.definitions import apply_definition
from condiviso.plugins import enablement, get_plugins
from condiviso.tenancy import registry
from condiviso.tenancy.engines import resolve_url
from condiviso.tenancy.migrations import current_heads
from tests.accounts.flows import post_form, unique_email
from tests.conftest import PLATFORM_DOMAIN
from tests.cooperatives.conftest import COMUNI
from tests.cooperatives.definitions import write_definition
from tests.districts import ACTOR, provision
from tests.people import PASSWORD, make_user

PAGES = [
    "/admin/cooperative",
    "/admin/cooperative/nuova",
    "/admin/cooperative/1",
    "/admin/categorie",
    "/admin/categorie/nuova",
    "/admin/categorie/1",
    "/admin/accreditamenti",
    "/admin/accreditamenti/nuovo",
    "/admin/accreditamenti/1",
]


def _hook_calls(app):
    recorded: list[tuple[str, str]] = []
    undo = get_plugins(app).pm.add_hookcall_monitoring(
        lambda hook_name, impls, kwargs: recorded.extend((hook_name, i.plugin_name) for i in impls),
        lambda outcome, hook_name, impls, kwargs: None,
    )
    return recorded, undo


def _signed_in_admin(app, host_client, slug):
    email = unique_email("admin")
    make_user(app, slug, email, "district_admin")
    client = host_client(f"{slug}.{PLATFORM_DOMAIN}")
    assert post_form(client, "/accedi", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_tables_and_history_are_in_every_tenant_database(app, beta):
    plugin = get_plugins(app).get("cooperatives")
    assert plugin.blueprint.name == "cooperatives"
    assert {m.__tablename__ for m in plugin.models} == {
        "cooperatives_category",
        "cooperatives_cooperative",
        "cooperatives_area",
        "cooperatives_accreditation",
    }
    engine = sa.create_engine(
        resolve_url(beta.database_url, app.config["INSTANCE_PATH"]), poolclass=sa.NullPool
    )
    try:
        assert {m.__tablename__ for m in plugin.models} <= set(sa.inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert current_heads(connection, plugin.history) == ("cooperatives_0001",)
    finally:
        engine.dispose()


def test_on_a_district_without_the_plugin_its_pages_are_not_found_and_its_hooks_not_called(
    app, host_client
):
    provision(app, "rete-on", "Ambito con la rete", plugins={"cooperatives": {}}, comuni=COMUNI)
    provision(app, "rete-off", "Ambito senza la rete", comuni=COMUNI)
    enabled = _signed_in_admin(app, host_client, "rete-on")
    disabled = _signed_in_admin(app, host_client, "rete-off")
    calls, undo = _hook_calls(app)
    try:
        home = disabled.get("/admin/")
        assert home.status_code == 200 and "/admin/cooperative" not in home.text
        for path in PAGES:
            assert disabled.get(path).status_code == 404, path
            if path.endswith(("nuova", "nuovo", "1")):
                sent = post_form(disabled, path, {"name": "x"}, page="/admin/")
                assert sent.status_code == 404, path
        assert [call for call in calls if call[1] == "cooperatives"] == []

        home = enabled.get("/admin/")
        assert 'href="/admin/accreditamenti"' in home.text
        assert ("condiviso_admin_pages", "cooperatives") in calls
        assert enabled.get("/admin/categorie").status_code == 200
    finally:
        undo()


def test_disabling_the_plugin_takes_its_pages_away(app, host_client, new_tenant):
    tenant = new_tenant(plugins={"cooperatives": {}}, comuni=COMUNI)
    client = _signed_in_admin(app, host_client, tenant.slug)
    assert client.get("/admin/cooperative").status_code == 200
    with app.app_context():
        enablement.set_plugin(tenant.slug, "cooperatives", ACTOR, enabled=False)
    assert client.get("/admin/cooperative").status_code == 404
    assert "/admin/cooperative" not in client.get("/admin/").text


def test_a_definition_that_does_not_enable_the_plugin_does_not_call_its_hooks(app, tmp_path):
    path = write_definition(tmp_path / "senza-rete", "senza-rete")
    toml = (path / "tenant.toml").read_text()
    (path / "tenant.toml").write_text(
        toml.replace("[plugins.cooperatives]", "").replace('network = "network.toml"', "")
    )
    calls, undo = _hook_calls(app)
    try:
        with app.app_context():
            apply_definition(path, ACTOR)
    finally:
        undo()
    hooks = {hook for hook, plugin in calls if plugin == "cooperatives"}
    assert hooks == set()
    with app.app_context():
        assert "cooperatives" not in registry.tenant_info("senza-rete").plugins
