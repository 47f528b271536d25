"""What the loader checks when the app starts: a clash stops the start-up, with the reason."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Blueprint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from condiviso.plugins import InstalledPlugins, PluginError
from condiviso.plugins.installed import discover
from tests.conftest import base_settings
from tests.plugins.fakes import fake_plugin, write_history


class FakeBase(DeclarativeBase):
    """Models of fake plugins live apart from the app's metadata."""


class GoodModel(FakeBase):
    __tablename__ = "demo_thing"
    id: Mapped[int] = mapped_column(primary_key=True)


class BadModel(FakeBase):
    __tablename__ = "thing"
    id: Mapped[int] = mapped_column(primary_key=True)


def test_installed_plugins_are_discovered_through_entry_points():
    names = [name for name, _module in discover()]
    assert "branding" in names


def test_a_plugin_with_models_and_history_loads(tmp_path):
    history = write_history(tmp_path / "demo", [("demo_0001", None, ("demo",))])
    registry = InstalledPlugins(
        [
            (
                "demo",
                fake_plugin(
                    "fake.demo",
                    condiviso_tenant_models=[GoodModel],
                    condiviso_migrations=history,
                    condiviso_blueprint=Blueprint("demo", __name__),
                ),
            )
        ]
    )
    assert registry.get("demo").models == (GoodModel,)
    assert [h.version_table for h in registry.histories()] == ["demo_alembic_version"]
    assert registry.blueprint_owners == {"demo": "demo"}


@pytest.mark.parametrize(
    ("plugins", "reason"),
    [
        ([("Bad-Name", fake_plugin("fake.bad"))], "not allowed"),
        ([("core", fake_plugin("fake.core"))], "not allowed"),
        ([("demo", fake_plugin("fake.a")), ("demo", fake_plugin("fake.b"))], "two plugins"),
        (
            [("demo", fake_plugin("fake.bp", condiviso_blueprint=Blueprint("other", __name__)))],
            "must be named after the plugin",
        ),
        (
            [("demo", fake_plugin("fake.bp2", condiviso_blueprint="not a blueprint"))],
            "must return a Blueprint",
        ),
        (
            [("demo", fake_plugin("fake.t", condiviso_tenant_models=[BadModel]))],
            "must be named 'demo_...'",
        ),
        (
            [("demo", fake_plugin("fake.t2", condiviso_tenant_models=[GoodModel]))],
            "no migration history",
        ),
        ([("demo", fake_plugin("fake.s", condiviso_settings_schema=dict))], "marshmallow Schema"),
    ],
)
def test_clashes_are_refused_at_load(plugins, reason):
    with pytest.raises(PluginError, match=reason):
        InstalledPlugins(plugins)


@pytest.mark.parametrize(
    ("revisions", "reason"),
    [
        ([("0001", None, ("demo",))], "must be named 'demo_...'"),
        ([("demo_0001", None, None)], "branch label 'demo'"),
        (
            [
                ("demo_0001", None, ("demo",)),
                ("demo_0002", "demo_0001", None),
                ("demo_0003", "demo_0001", None),
            ],
            "one head",
        ),
    ],
)
def test_migration_histories_are_namespaced(tmp_path, revisions, reason):
    history = write_history(tmp_path / "demo", revisions)
    with pytest.raises(PluginError, match=reason):
        InstalledPlugins([("demo", fake_plugin("fake.h", condiviso_migrations=history))])


def test_a_history_folder_needs_versions(tmp_path):
    with pytest.raises(PluginError, match="versions/"):
        InstalledPlugins([("demo", fake_plugin("fake.h", condiviso_migrations=tmp_path))])


def test_undeclared_tenant_tables_are_refused():
    class Orphan(FakeBase):
        __tablename__ = "orphan_table"
        id: Mapped[int] = mapped_column(primary_key=True)

    Orphan.__module__ = "fake.orphaned.models"
    registry = InstalledPlugins([("orphaned", fake_plugin("fake.orphaned.plugin"))])
    with pytest.raises(PluginError, match=r"'orphan_table'.*not declared"):
        registry._check_tables_claimed([sa.inspect(Orphan)])


def test_a_core_table_in_a_plugin_namespace_is_refused(tmp_path):
    class Squatter(FakeBase):
        __tablename__ = "demo_squatter"
        id: Mapped[int] = mapped_column(primary_key=True)

    Squatter.__module__ = "condiviso.somewhere"
    registry = InstalledPlugins([("demo", fake_plugin("fake.ok"))])
    with pytest.raises(PluginError, match="namespace of plugin 'demo'"):
        registry._check_tables_claimed([sa.inspect(Squatter)])


def test_a_url_clash_stops_the_app(tmp_path):
    from condiviso.app import create_app

    clashing = Blueprint("demo", __name__)
    clashing.add_url_rule("/comuni/<code>", "comune", lambda code: code)
    with pytest.raises(PluginError, match="claimed by both"):
        create_app(
            base_settings(tmp_path),
            environ={},
            plugins=[("demo", fake_plugin("fake.url", condiviso_blueprint=clashing))],
        )


def test_start_up_hooks_are_not_called_per_tenant():
    registry = InstalledPlugins([])
    with pytest.raises(PluginError, match="start-up hook"):
        registry.hook("condiviso_blueprint", [])
