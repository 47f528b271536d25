"""The layers hold on the real import graph, the check catches each kind of bad import, and the
plugin API is the documented surface it claims to be."""

from __future__ import annotations

import ast
import importlib.util
import itertools
import re
import sys
from pathlib import Path

import pytest

import condiviso.plugin_api as plugin_api

ROOT = Path(__file__).resolve().parents[1]


def _check_imports():
    spec = importlib.util.spec_from_file_location(
        "check_imports", ROOT / "scripts/check_imports.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


check = _check_imports()


@pytest.fixture(scope="module")
def graph():
    return check.build_graph()


def test_the_code_as_it_is_breaks_no_layer(graph):
    assert [str(v) for v in check.violations(graph)] == []


@pytest.mark.parametrize(
    ("importer", "imported", "rule"),
    [
        ("condiviso.tenancy.registry", "condiviso.accounts.samples", "tenancy imports nothing"),
        ("condiviso.tenancy.snapshot", "condiviso.plugins.web", "tenancy imports nothing"),
        ("condiviso.tenancy.context", "condiviso.legal.services", "tenancy imports nothing"),
        ("condiviso.tenancy.models", "condiviso.territory.models", "tenancy imports nothing"),
        ("condiviso.tenancy.runtime", "condiviso.portal.views", "tenancy imports nothing"),
        ("condiviso.tenancy.archive", "condiviso.console.services", "tenancy imports nothing"),
        ("condiviso.accounts.registration", "plugins.catalog.models", "the core never imports"),
        ("condiviso.plugin_api", "plugins.branding.services", "the core never imports"),
        ("plugins.catalog.services", "condiviso.tenancy.keys", "only through the plugin API"),
        ("plugins.example.views", "condiviso.accounts.forms", "only through the plugin API"),
        ("condiviso.jobs.runner", "condiviso.app", "only the entry points import the app"),
        ("condiviso.accounts.cli", "condiviso.app", "only the entry points import the app"),
    ],
)
def test_a_deliberate_bad_import_is_reported(graph, importer, imported, rule):
    graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")
    try:
        reported = [
            v for v in check.violations(graph) if (v.importer, v.imported) == (importer, imported)
        ]
        assert len(reported) == 1
        assert rule in reported[0].rule
    finally:
        graph.remove_import(importer=importer, imported=imported)


def test_what_may_be_imported_is_not_reported(graph):
    allowed = [
        ("condiviso.tenancy.lifecycle", "condiviso.database.session"),  # the layer below
        ("condiviso.tenancy.archive", "condiviso.encryption.sealed"),  # a foundation
        ("plugins.requests.services", "plugins.catalog.finding"),  # a plugin it requires
        ("condiviso.console.services", "condiviso.accounts.staff"),  # core above tenancy
    ]
    for importer, imported in allowed:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")
    try:
        assert [str(v) for v in check.violations(graph)] == []
    finally:
        for importer, imported in allowed:
            graph.remove_import(importer=importer, imported=imported)


def test_the_script_exits_1_and_names_the_import(graph, monkeypatch, capsys):
    graph.add_import(
        importer="plugins.branding.views",
        imported="condiviso.tenancy.keys",
        line_number=7,
        line_contents="from condiviso.tenancy.keys import derive_key",
    )
    monkeypatch.setattr(check, "build_graph", lambda: graph)
    try:
        assert check.main() == 1
    finally:
        graph.remove_import(importer="plugins.branding.views", imported="condiviso.tenancy.keys")
    assert "plugins.branding.views:7 imports condiviso.tenancy.keys" in capsys.readouterr().err


def _described_names() -> dict[str, str]:
    """Each name the plugin API imports, with the string literal that follows its import."""
    body = ast.parse(Path(plugin_api.__file__).read_text()).body
    described = {}
    for node, following in itertools.pairwise(body):
        text = getattr(following.value, "value", None) if isinstance(following, ast.Expr) else None
        if isinstance(node, ast.ImportFrom) and isinstance(text, str):
            for alias in node.names:
                described[alias.asname or alias.name] = text
    return described


def test_every_name_of_the_plugin_api_has_its_description():
    described = _described_names()
    assert sorted(plugin_api.__all__) == sorted(described)
    for name, text in described.items():
        assert len(text.split()) >= 5 and text.rstrip().endswith("."), name


def test_every_name_of_the_plugin_api_is_in_docs_plugins_md():
    documented = set(re.findall(r"`([A-Za-z_]+)`", (ROOT / "docs/plugins.md").read_text()))
    assert sorted(set(plugin_api.__all__) - documented) == []
