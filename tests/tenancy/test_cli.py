"""The `condiviso` command: bad arguments get a clear message, exit code 2, and change nothing."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.tenancy import registry
from condiviso.tenancy.models import RegistryAudit, Tenant


def _invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _registry_state(app):
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(Tenant)),
            db.session.scalar(sa.select(sa.func.count()).select_from(RegistryAudit)),
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tenant", "create", "Bad Slug", "--name", "x"], "slug"),
        (["tenant", "create", "www", "--name", "x"], "riservato"),
        (["tenant", "create", "okslug", "--name", "   "], "display_name"),
        (["tenant", "create", "okslug", "--name", "x", "--plan", "gold"], "plan"),
        (["tenant", "create", "okslug"], "--name"),
        (["tenant", "suspend", "nowhere"], "non esiste"),
        (["tenant", "resume", "nowhere"], "non esiste"),
        (["tenant", "show", "nowhere"], "non esiste"),
        (["tenant", "export", "nowhere"], "non esiste"),
        (["tenant", "offboard", "alpha", "--confirm", "beta"], "conferma"),
        (["tenant", "apply", "/nonexistent/folder"], "Non trovo"),
        (["plugins", "enable", "nothing", "--tenant", "alpha"], "non è installato"),
        (["plugins", "enable", "branding", "--tenant", "alpha", "--settings", "{oops"], "JSON"),
        (["plugins", "enable", "branding", "--tenant", "alpha", "--settings", "[1]"], "oggetto"),
        (
            [
                "plugins",
                "enable",
                "branding",
                "--tenant",
                "alpha",
                "--settings",
                '{"primary_color": "#ffcc00"}',
            ],
            "primary_color",
        ),
        (
            [
                "plugins",
                "enable",
                "branding",
                "--tenant",
                "alpha",
                "--settings",
                '{"colour": "red"}',
            ],
            "colour",
        ),
        (["plugins", "disable", "branding"], "--tenant"),
        (["db", "upgrade", "--jobs", "0"], "--jobs"),
        (["tenant", "frobnicate"], "frobnicate"),
        (["tenant", "domain", "add", "alpha", "not a host"], "hostname"),
        (["tenant", "domain", "add", "alpha", "x.condiviso.test"], "sottodomini"),
        (["tenant", "domain", "verify", "alpha", "unknown.example"], "non è assegnato"),
    ],
)
def test_bad_arguments_exit_2_and_change_nothing(app, alpha, beta, args, message):
    with app.app_context():
        settings_before = registry.get_tenant("alpha").plugin("branding").settings
    before = _registry_state(app)
    result = _invoke(app, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert _registry_state(app) == before
    with app.app_context():
        assert registry.get_tenant("alpha").plugin("branding").settings == settings_before


def test_tenant_lifecycle_through_the_cli(app, tmp_path):
    assert _invoke(app, "tenant", "create", "clitest", "--name", "Ambito CLI").exit_code == 0
    listed = json.loads(_invoke(app, "tenant", "list", "--json").output)
    assert {"slug": "clitest", "status": "active"}.items() <= next(
        row for row in listed if row["slug"] == "clitest"
    ).items()
    assert "Ambito CLI" in _invoke(app, "tenant", "show", "clitest").output
    enabled = _invoke(
        app,
        "plugins",
        "enable",
        "branding",
        "--tenant",
        "clitest",
        "--settings",
        '{"primary_color": "#0b5d8f"}',
    )
    assert enabled.exit_code == 0, enabled.output
    assert "attivo" in _invoke(app, "plugins", "list", "--tenant", "clitest").output
    assert _invoke(app, "plugins", "disable", "branding", "--tenant", "clitest").exit_code == 0
    assert _invoke(app, "tenant", "domain", "add", "clitest", "cli.welfare.example").exit_code == 0
    assert (
        _invoke(app, "tenant", "domain", "verify", "clitest", "cli.welfare.example").exit_code == 0
    )
    assert "cli.welfare.example (verificato)" in _invoke(app, "tenant", "show", "clitest").output
    assert (
        _invoke(app, "tenant", "domain", "remove", "clitest", "cli.welfare.example").exit_code == 0
    )
    assert (
        "dominio:       cli.welfare.example" not in _invoke(app, "tenant", "show", "clitest").output
    )
    assert _invoke(app, "tenant", "suspend", "clitest", "--reason", "test").exit_code == 0
    assert "stato:         suspended" in _invoke(app, "tenant", "show", "clitest").output
    assert _invoke(app, "tenant", "resume", "clitest").exit_code == 0
    archive = tmp_path / "clitest.zip"
    assert _invoke(app, "tenant", "export", "clitest", "--output", str(archive)).exit_code == 0
    assert archive.exists()
    offboarded = app.test_cli_runner().invoke(
        args=["tenant", "offboard", "clitest"], input="clitest\n"
    )
    assert offboarded.exit_code == 0, offboarded.output
    with app.app_context():
        row = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "clitest"))
        assert row.status.value == "offboarded"
