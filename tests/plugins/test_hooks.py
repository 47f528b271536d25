"""Every hook specification, exercised through the real branding plugin; per-tenant hooks reach
only the plugins the tenant enabled."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.plugins import enablement, get_plugins, hookspecs, navigation
from condiviso.tenancy import registry, tenant_context
from condiviso.tenancy.engines import resolve_url
from condiviso.tenancy.migrations import current_heads
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import ACTOR
from tests.tenancy.definitions import write_definition

TESTS = Path(__file__).resolve().parents[1]


def _hook_names() -> list[str]:
    return [
        name
        for name, value in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("condiviso_")
    ]


def test_every_hook_specification_has_a_test():
    defined = set()
    for path in TESTS.rglob("test_*.py"):
        tree = ast.parse(path.read_text())
        defined |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    missing = [name for name in _hook_names() if f"test_hook_{name}" not in defined]
    assert missing == [], f"hook specifications without a test_hook_<name>: {missing}"


def test_every_hook_specification_is_documented():
    for name in _hook_names():
        doc = getattr(hookspecs, name).__doc__ or ""
        assert "Start-up." in doc or "Per tenant" in doc, name


@pytest.fixture
def calls(app):
    """(hook name, plugin name) of every hook implementation pluggy calls during the test."""
    recorded: list[tuple[str, str]] = []
    installed = app.extensions["condiviso.plugins"]
    undo = installed.pm.add_hookcall_monitoring(
        lambda hook_name, impls, kwargs: recorded.extend((hook_name, i.plugin_name) for i in impls),
        lambda outcome, hook_name, impls, kwargs: None,
    )
    yield recorded
    undo()


def test_plugin_enabled_on_one_tenant_and_disabled_on_another(host_client, alpha, beta, calls):
    assert host_client(f"alpha.{PLATFORM_DOMAIN}").get("/contatti").status_code == 200
    assert ("condiviso_navigation", "branding") in calls
    calls.clear()

    assert host_client(f"beta.{PLATFORM_DOMAIN}").get("/contatti").status_code == 404
    assert host_client(f"beta.{PLATFORM_DOMAIN}").get("/branding/theme.css").status_code == 404
    page = host_client(f"beta.{PLATFORM_DOMAIN}").get("/")
    assert page.status_code == 200
    assert [call for call in calls if call[1] == "branding"] == []
    assert "Contatti" not in page.text


def test_disabling_a_plugin_takes_its_routes_away(app, host_client, new_tenant):
    tenant = new_tenant(plugins={"branding": {}})
    client = host_client(f"{tenant.slug}.{PLATFORM_DOMAIN}")
    assert client.get("/contatti").status_code == 200
    with app.app_context():
        enablement.set_plugin(tenant.slug, "branding", ACTOR, enabled=False)
    assert client.get("/contatti").status_code == 404


def test_hook_condiviso_blueprint(app):
    plugin = get_plugins(app).get("branding")
    assert plugin.blueprint.name == "branding"
    assert "branding.contacts" in app.view_functions


def test_hook_condiviso_tenant_models(app, alpha):
    from plugins.branding.models import BrandingAsset

    assert get_plugins(app).get("branding").models == (BrandingAsset,)
    engine = sa.create_engine(
        resolve_url(alpha.database_url, app.config["INSTANCE_PATH"]), poolclass=sa.NullPool
    )
    assert "branding_asset" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_hook_condiviso_migrations(app, alpha):
    history = get_plugins(app).get("branding").history
    assert history.version_table == "branding_alembic_version"
    engine = sa.create_engine(
        resolve_url(alpha.database_url, app.config["INSTANCE_PATH"]), poolclass=sa.NullPool
    )
    with engine.connect() as connection:
        assert current_heads(connection, history) == ("branding_0001",)
    engine.dispose()


def test_hook_condiviso_settings_schema(app):
    with app.app_context():
        stored = get_plugins().validate_settings("branding", {"primary_color": "#0B5D8F"})
    assert stored["primary_color"] == "#0b5d8f"
    assert stored["footer_links"] == []


def test_hook_condiviso_navigation(app, alpha, beta):
    with app.test_request_context(base_url=f"http://alpha.{PLATFORM_DOMAIN}"):
        assert [e.endpoint for e in navigation(alpha)] == ["branding.contacts"]
        assert navigation(beta) == []


def test_hook_condiviso_template_context(host_client, alpha):
    page = host_client(f"alpha.{PLATFORM_DOMAIN}").get("/")
    assert "/branding/theme.css?v=0066cc" in page.text


def test_hook_condiviso_validate_definition(app, tmp_path):
    path = write_definition(tmp_path / "nologo", "nologo")
    (path / "logo.svg").unlink()
    from condiviso.districts.definitions import apply_definition
    from condiviso.errors import InvalidInput
    from condiviso.tenancy.models import Tenant

    with app.app_context():
        with pytest.raises(InvalidInput) as refused:
            apply_definition(path, ACTOR)
        assert "plugins.branding.logo" in refused.value.errors
        assert db.session.scalar(sa.select(Tenant).where(Tenant.slug == "nologo")) is None


def test_hook_condiviso_import_definition(app, host_client, tmp_path):
    from condiviso.districts.definitions import apply_definition
    from plugins.branding.models import BrandingAsset

    path = write_definition(tmp_path / "withlogo", "withlogo")
    with app.app_context():
        apply_definition(path, ACTOR)
        apply_definition(path, ACTOR)
        digest = registry.get_tenant("withlogo").plugin("branding").settings["logo"]
        with tenant_context("withlogo"):
            assert db.session.scalars(sa.select(BrandingAsset.sha256)).all() == [digest]
    logo = host_client(f"withlogo.{PLATFORM_DOMAIN}").get(f"/branding/logo/{digest}")
    logo.close()
    assert logo.status_code == 200
    assert logo.mimetype == "image/png"  # the definition's SVG, drawn


def test_hook_condiviso_admin_pages(app, alpha, beta):
    from flask_login import login_user

    from condiviso.accounts.models import User
    from condiviso.plugins import admin_entries
    from tests.people import make_user

    for tenant in (alpha, beta):
        user_id = make_user(
            app, tenant.slug, f"admin-pages@{tenant.slug}.example", "district_admin"
        )
        with (
            app.test_request_context(base_url=f"http://{tenant.slug}.{PLATFORM_DOMAIN}"),
            tenant_context(tenant),
        ):
            login_user(db.session.get(User, user_id))
            endpoints = [e.endpoint for e in admin_entries(tenant)]
        assert ("branding.settings" in endpoints) is (tenant is alpha)
        assert "staff_admin.staff_list" in endpoints


def test_hook_condiviso_mail_identity(app, new_tenant):
    from condiviso.mail.delivery import sender_identity

    branded = new_tenant(
        plugins={
            "branding": {"sender_name": "Sportello Welfare", "reply_to": "sportello@prova.example"}
        }
    )
    plain = new_tenant()
    with app.test_request_context():
        assert sender_identity(branded) == ("Sportello Welfare", "sportello@prova.example")
        assert sender_identity(plain) == (plain.display_name, None)


def test_hook_condiviso_requires(app, tmp_path):
    from condiviso.plugins import InstalledPlugins, PluginError
    from tests.plugins.fakes import fake_plugin

    base = fake_plugin("fake.base.plugin")
    needy = fake_plugin("fake.needy.plugin", condiviso_requires=["base"])
    installed = InstalledPlugins([("needy", needy), ("base", base)])
    assert installed.order == ["base", "needy"]
    assert installed.missing_requirements({"needy"}) == {"needy": ["base"]}
    assert installed.missing_requirements({"needy", "base"}) == {}
    with pytest.raises(PluginError, match="not installed"):
        InstalledPlugins([("needy", fake_plugin("fake.n.plugin", condiviso_requires=["gone"]))])
    with pytest.raises(PluginError, match="cycle"):
        InstalledPlugins(
            [
                ("aa", fake_plugin("fake.a.plugin", condiviso_requires=["bb"])),
                ("bb", fake_plugin("fake.b.plugin", condiviso_requires=["aa"])),
            ]
        )


def test_hook_condiviso_portal_home(app, host_client):
    from tests.catalog.fixtures import build_network

    build_network(app, "hook-home")
    home = host_client(f"hook-home.{PLATFORM_DOMAIN}").get("/")
    assert 'role="search"' in home.text and 'href="/servizi?categoria=' in home.text
    assert 'role="search"' not in host_client(f"beta.{PLATFORM_DOMAIN}").get("/").text


def test_hook_condiviso_record_actions(app, host_client):
    from tests.catalog.fixtures import build_network

    build_network(app, "hook-actions")
    page = host_client(f"hook-actions.{PLATFORM_DOMAIN}").get("/servizi/sad")
    assert "richiedi" not in page.text  # requests are off
    with app.app_context():
        enablement.set_plugin("hook-actions", "requests", ACTOR, True, {})
    page = host_client(f"hook-actions.{PLATFORM_DOMAIN}").get("/servizi/sad")
    assert 'href="/servizi/sad/richiedi"' in page.text


def test_hook_condiviso_records_changed(app, host_client, calls):
    """The cooperatives plugin tells the catalog of what it writes: a cooperative's new name is
    found at once, and only tenants with the catalog on hear of it."""
    from plugins.cooperatives import services as network
    from tests.catalog.fixtures import build_network

    build_network(app, "hook-changes")
    client = host_client(f"hook-changes.{PLATFORM_DOMAIN}")
    assert "Assistenza domiciliare" not in client.get("/servizi?q=cormorano&comune=").text
    with app.app_context(), tenant_context("hook-changes"):
        cooperative = network.cooperative_by_slug("girasole")
        data = {
            "slug": cooperative.slug,
            "legal_name": "Il Cormorano (esempio)",
            "tax_code": cooperative.tax_code,
            "comuni": [c.id for c in cooperative.comuni],
        }
        cooperative_id = cooperative.id
        network.update_cooperative(cooperative_id, data)
        db.session.commit()
    assert ("condiviso_records_changed", "catalog") in calls
    assert "Assistenza domiciliare" in client.get("/servizi?q=cormorano&comune=").text

    calls.clear()
    with app.app_context():
        enablement.set_plugin("hook-changes", "catalog", ACTOR, enabled=False)
        with tenant_context("hook-changes"):
            network.update_cooperative(cooperative_id, {**data, "legal_name": "L'Airone"})
            db.session.commit()
    assert [c for c in calls if c == ("condiviso_records_changed", "catalog")] == []


def test_hook_condiviso_plugin_enabled(app, host_client, calls):
    """Switched back on, the catalog catches up with accreditations that ended meanwhile."""
    from tests.catalog.fixtures import build_network, expire_accreditation

    build_network(app, "hook-enabled")
    client = host_client(f"hook-enabled.{PLATFORM_DOMAIN}")
    assert client.get("/servizi/sad").status_code == 200
    with app.app_context():
        enablement.set_plugin("hook-enabled", "catalog", ACTOR, enabled=False)
    expire_accreditation(app, "hook-enabled", "girasole")
    calls.clear()
    with app.app_context():
        enablement.set_plugin("hook-enabled", "catalog", ACTOR, True, {})
    assert calls.count(("condiviso_plugin_enabled", "catalog")) == 1
    assert client.get("/servizi/sad").status_code == 404


def test_hook_condiviso_tenant_prepared(app, tmp_path, calls):
    """The core parts prepare a new district through the hook, the way a plugin would: legal
    pages first, the definition's comuni, the sample accounts last."""
    from condiviso.accounts.models import User
    from condiviso.accounts.samples import sample_people
    from condiviso.districts import provisioning
    from condiviso.districts.definitions import apply_definition
    from condiviso.legal.services import current_version_exact
    from condiviso.territory.services import list_comuni

    path = write_definition(tmp_path / "prepared", "prepared")
    with app.app_context():
        report = apply_definition(path, ACTOR)
        with tenant_context("prepared"):
            assert [c.name for c in list_comuni()] == ["Castelseprio", "Tradate"]
            assert current_version_exact("privacy", "it") is not None
            # The sample people live in a comune: the accounts part ran after the territory's.
            comuni = dict(db.session.execute(sa.select(User.email, User.comune_id)).all())
        assert all(comuni[email] for email, _name, _role in sample_people("prepared"))
    prepared = {plugin for hook, plugin in calls if hook == "condiviso_tenant_prepared"}
    assert prepared == {
        "condiviso.legal.hooks",
        "condiviso.territory.hooks",
        "condiviso.accounts.hooks",
    }
    assert "database: legal pages" in report.changes
    assert "comune 012127 Tradate: added" in report.changes

    with app.app_context():
        provisioning.provision_tenant("prepared-bare", "Ambito senza definizione", ACTOR)
        with tenant_context("prepared-bare"):
            assert current_version_exact("privacy", "it") is not None
            assert list_comuni() == []
            assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_hook_condiviso_periodic_jobs(alpha):
    """Each tick asks only the tenant's enabled plugins for job names (tests/test_jobs.py queues
    and runs them for real, per tenant)."""
    from condiviso.plugins import InstalledPlugins
    from tests.plugins.fakes import fake_plugin

    installed = InstalledPlugins(
        [
            (
                "reminders",
                fake_plugin("fake.reminders.plugin", condiviso_periodic_jobs=["reminders.send"]),
            ),
            (
                "exports",
                fake_plugin("fake.exports.plugin", condiviso_periodic_jobs=["exports.nightly"]),
            ),
            ("quiet", fake_plugin("fake.quiet.plugin", condiviso_periodic_jobs=None)),
        ]
    )
    hook = "condiviso_periodic_jobs"
    assert installed.hook(hook, {"reminders"})(tenant=alpha) == [["reminders.send"]]
    both = installed.hook(hook, {"reminders", "exports", "quiet"})(tenant=alpha)
    assert sorted(both) == [["exports.nightly"], ["reminders.send"]]
    assert installed.hook(hook, set())(tenant=alpha) == []


def test_hook_condiviso_account_erased(app, calls):
    """A citizen deletes the account from its page: the intake goes, the plan keeps only what
    was funded, the coming appointment is cancelled, the request keeps only its facts; a
    district without those plugins hears nothing of it."""
    from datetime import date, timedelta

    from plugins.care_plans.models import CarePlan, Intake, PlanItem
    from plugins.requests.models import Request, RequestMessage
    from plugins.social_point.models import Booking
    from tests.accounts.flows import post_form
    from tests.care_plans.fixtures import (
        add_item,
        build_district,
        catalog_item,
        record_intake,
        start_plan,
    )
    from tests.clients import csrf_token
    from tests.people import PASSWORD
    from tests.social_point.fixtures import desk_open_every_day

    district = build_district(app, "hook-erased")
    with app.app_context():
        enablement.set_plugin("hook-erased", "social_point", ACTOR, True, {})
    point_id = desk_open_every_day(app, "hook-erased", district.ids["operator"])
    record_intake(district)
    plan_id = start_plan(district)
    assert add_item(district, plan_id, **catalog_item(district, "sad")).status_code == 302
    citizen = district.client("citizen")
    ask = citizen.get("/servizi/sad/richiedi")
    submission = ask.text.split('name="submission" value="')[1].split('"')[0]
    asked = citizen.post(
        "/servizi/sad/richiedi",
        data={
            "csrf_token": csrf_token(ask.text),
            "submission": submission,
            "message": "Mia madre, via Manzoni 3, ha bisogno di aiuto.",
        },
    )
    assert asked.status_code == 302
    with app.app_context(), tenant_context("hook-erased"):
        from plugins.social_point import services as desks_services
        from plugins.social_point.models import SocialPoint

        point = db.session.get(SocialPoint, point_id)
        first = date.today() + timedelta(days=7)
        slot = desks_services.free_slots(point, first, first)[0]
        desks_services.book(
            point, slot.key, "phone", desks_services.Who(district.ids["citizen"]), topic="Affitto"
        )

    calls.clear()
    deleted = post_form(
        citizen, "/account/elimina", {"password": PASSWORD, "confirm": "y"}, page="/account/elimina"
    )
    assert "Account eliminato" in deleted.text
    assert {p for hook, p in calls if hook == "condiviso_account_erased"} == {
        "requests",
        "social_point",
        "care_plans",
    }
    me = district.ids["citizen"]
    with app.app_context(), tenant_context("hook-erased"):
        assert db.session.scalars(sa.select(Intake).where(Intake.citizen_user_id == me)).all() == []
        plan = db.session.get(CarePlan, plan_id)
        assert (plan.goals, plan.notes, plan.status) == (None, None, "concluso")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanItem)) == 1
        (booking,) = db.session.scalars(sa.select(Booking).where(Booking.citizen_user_id == me))
        assert (booking.status, booking.topic) == ("cancelled", None)
        (request,) = db.session.scalars(sa.select(Request).where(Request.requester_user_id == me))
        assert (request.message, request.status) == ("", "annullata")
        assert "Manzoni" not in " ".join(
            m.body for m in db.session.scalars(sa.select(RequestMessage))
        )

    from tests.clients import HostClient
    from tests.districts import provision
    from tests.people import make_user

    provision(app, "hook-erased-bare", "Ambito senza plugin (cancellazione)")
    make_user(app, "hook-erased-bare", "sola@esempio.it", "citizen")
    alone = HostClient(app, f"hook-erased-bare.{PLATFORM_DOMAIN}")
    post_form(alone, "/accedi", {"email": "sola@esempio.it", "password": PASSWORD})
    calls.clear()
    gone = post_form(
        alone, "/account/elimina", {"password": PASSWORD, "confirm": "y"}, page="/account/elimina"
    )
    assert "Account eliminato" in gone.text
    assert [c for c in calls if c[0] == "condiviso_account_erased"] == []


def test_hook_condiviso_help_contacts(app, calls):
    """The welcome sheet printed at a desk names the district's Social Points, with telephone
    and opening days; a district without them prints none."""
    from tests.accounts.flows import post_form
    from tests.clients import HostClient
    from tests.districts import comune, provision
    from tests.people import PASSWORD, make_user
    from tests.social_point.fixtures import desk_open_every_day

    for slug, plugins in (("hook-help", {"social_point": {}}), ("hook-help-bare", {})):
        provision(
            app, slug, "Ambito (aiuto)", plugins=plugins, comuni=[comune("012127", "Tradate")]
        )
        make_user(app, slug, f"operatrice@{slug}.example.org", "operator")
        citizen = make_user(app, slug, f"nonna@{slug}.example.org", "citizen")
        if plugins:
            operator = make_user(app, slug, f"turno@{slug}.example.org", "operator")
            desk_open_every_day(app, slug, operator)
        client = HostClient(app, f"{slug}.{PLATFORM_DOMAIN}")
        post_form(
            client, "/accedi", {"email": f"operatrice@{slug}.example.org", "password": PASSWORD}
        )
        calls.clear()
        sheet = client.get(f"/operatore/cittadini/{citizen}/benvenuto").text
        heard = [c for c in calls if c[0] == "condiviso_help_contacts"]
        if plugins:
            assert heard == [("condiviso_help_contacts", "social_point")]
            assert "Social Point di Tradate (esempio): Piazza Mazzini 6, Tradate" in sheet
            assert "telefono 0331 000000" in sheet and "lunedì, martedì" in sheet
        else:
            assert heard == [] and "Social Point di Tradate" not in sheet


def test_hook_condiviso_staff_cooperatives(app, calls):
    """Cooperative staff are invited to one of the district's cooperatives, chosen from a list
    its plugins give; a district without cooperatives refuses the role, naming why."""
    import sqlalchemy as sa

    from condiviso.accounts.models import Invitation
    from condiviso.extensions import db
    from plugins.cooperatives.models import Cooperative
    from tests.accounts.flows import post_form
    from tests.clients import HostClient
    from tests.districts import provision
    from tests.people import PASSWORD, make_user

    for slug, plugins in (("hook-coops", {"cooperatives": {}}), ("hook-coops-bare", {})):
        provision(app, slug, "Ambito (cooperative)", plugins=plugins)
        make_user(app, slug, f"admin@{slug}.example.org", "district_admin")
        known = None
        if plugins:
            with app.app_context(), tenant_context(slug):
                coop = Cooperative(slug="aurora", legal_name="Aurora (esempio)", tax_code="1" * 11)
                db.session.add(coop)
                db.session.commit()
                known = coop.id
        client = HostClient(app, f"{slug}.{PLATFORM_DOMAIN}")
        post_form(client, "/accedi", {"email": f"admin@{slug}.example.org", "password": PASSWORD})
        calls.clear()
        page = client.get("/admin/personale").text
        heard = sorted(set(c for c in calls if c[0] == "condiviso_staff_cooperatives"))
        invite = {"email": f"coop@{slug}.example.org", "role": "cooperative_staff"}
        if plugins:
            assert heard == [("condiviso_staff_cooperatives", "cooperatives")]
            assert f'<option value="{known}">Aurora (esempio)</option>' in page
            sent = post_form(client, "/admin/personale", {**invite, "cooperative_id": str(known)})
            assert sent.status_code == 302
        else:
            assert heard == []
            refused = post_form(client, "/admin/personale", {**invite, "cooperative_id": "1"})
            assert refused.status_code == 400 and "non ha ancora cooperative" in refused.text
            with app.app_context(), tenant_context(slug):
                assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


def test_hook_condiviso_commands(app, new_tenant):
    """A plugin's command group joins the `condiviso` command line (the wallet's `check`), and
    two groups with one name refuse to start."""
    import click
    from flask import Flask

    from condiviso.app import _register_commands
    from condiviso.plugins import InstalledPlugins
    from condiviso.plugins.installed import PluginError
    from tests.plugins.fakes import fake_plugin

    tenant = new_tenant(plugins={"wallet": {}})
    result = app.test_cli_runner().invoke(args=["wallet", "check", "--tenant", tenant.slug])
    assert result.exit_code == 0, result.output
    assert "registro in ordine" in result.output
    clash = click.Group("tenant")
    installed = InstalledPlugins(
        [("clash", fake_plugin("fake.clash.plugin", condiviso_commands=[clash]))]
    )
    assert installed.commands() == [clash]
    with pytest.raises(PluginError, match="two command groups"):
        _register_commands(Flask("clash"), installed)
