"""`condiviso db upgrade`: every tenant, in parallel, failures reported by slug."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.plugins import get_plugins
from condiviso.tenancy import registry
from condiviso.tenancy.engines import resolve_url
from condiviso.tenancy.migrations import current_heads, downgrade


def _engine(app, slug):
    with app.app_context():
        url = registry.get_tenant(slug).database_url
    return sa.create_engine(resolve_url(url, app.config["INSTANCE_PATH"]), poolclass=sa.NullPool)


def _branding_history(app):
    with app.app_context():
        return get_plugins().get("branding").history


def test_upgrade_continues_past_a_broken_tenant_and_reports_it(app, new_tenant):
    healthy, broken = new_tenant(), new_tenant()
    history = _branding_history(app)
    for slug in (healthy.slug, broken.slug):
        engine = _engine(app, slug)
        with engine.connect() as connection:
            downgrade(connection, history, "base")
            connection.commit()
        engine.dispose()
    engine = _engine(app, broken.slug)
    with engine.begin() as connection:
        # Something a migration does not expect: the table it creates is already there.
        connection.execute(sa.text("CREATE TABLE branding_asset (unexpected INTEGER)"))
    engine.dispose()

    result = app.test_cli_runner().invoke(args=["db", "upgrade", "--jobs", "2"])

    assert result.exit_code == 1
    assert broken.slug in result.output
    assert "branding_asset" in result.output
    assert healthy.slug not in result.output.split("errori")[-1]
    engine = _engine(app, healthy.slug)
    with engine.connect() as connection:
        assert current_heads(connection, history) == history.heads()
    engine.dispose()
    engine = _engine(app, broken.slug)
    with engine.connect() as connection:
        assert current_heads(connection, history) == ()
    engine.dispose()


def test_upgrade_of_current_tenants_changes_nothing(app, alpha, beta):
    result = app.test_cli_runner().invoke(
        args=["db", "upgrade", "--tenant", "alpha", "--tenant", "beta"]
    )
    assert result.exit_code == 0, result.output
    assert "Distretti aggiornati: 0; già aggiornati: 2; errori: 0." in result.output


def test_upgrade_refuses_unknown_tenants(app):
    result = app.test_cli_runner().invoke(args=["db", "upgrade", "--tenant", "nowhere"])
    assert result.exit_code == 2
    assert "nowhere" in result.output
