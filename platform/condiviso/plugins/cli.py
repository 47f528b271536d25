"""`condiviso plugins ...`: what is installed, and each tenant's plugins."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from condiviso.commands import CommandError, cli_errors, require_platform_schema
from condiviso.plugins.enablement import set_plugin
from condiviso.plugins.web import get_plugins
from condiviso.tenancy import registry

plugins_cli = AppGroup("plugins", help="Plugin installati e plugin attivi per distretto.")


@plugins_cli.command("list")
@click.option("--tenant", "slug", help="Mostra anche lo stato per questo distretto.")
@cli_errors
def list_plugins(slug: str | None) -> None:
    """Elenca i plugin installati (e, con --tenant, quali sono attivi)."""
    installed = get_plugins()
    states = {}
    if slug:
        require_platform_schema()
        states = {p.name: p.enabled for p in registry.get_tenant(slug).plugins}
    for plugin in installed.plugins.values():
        state = ""
        if slug:
            state = "attivo" if states.get(plugin.name) else "non attivo"
        click.echo(f"{plugin.name:<20} {state:<11} {plugin.description}")


def _parse_settings(raw: str | None) -> dict | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"--settings non è JSON valido ({error.msg}): nulla è cambiato."
        ) from None
    if not isinstance(value, dict):
        raise CommandError("--settings deve essere un oggetto JSON: nulla è cambiato.")
    return value


@plugins_cli.command("enable")
@click.argument("name")
@click.option("--tenant", "slug", required=True, help="Il distretto.")
@click.option(
    "--settings", "raw_settings", help='Impostazioni in JSON, es. \'{"primary_color": "#06c"}\'.'
)
@cli_errors
def enable(name: str, slug: str, raw_settings: str | None) -> None:
    """Attiva un plugin per un distretto, con impostazioni validate."""
    require_platform_schema()
    settings = _parse_settings(raw_settings)
    changed = set_plugin(slug, name, registry.cli_actor(), True, settings)
    click.echo(f"Plugin «{name}» attivo per «{slug}»." if changed else "Nessuna modifica.")


@plugins_cli.command("disable")
@click.argument("name")
@click.option("--tenant", "slug", required=True, help="Il distretto.")
@cli_errors
def disable(name: str, slug: str) -> None:
    """Disattiva un plugin per un distretto (le sue tabelle e i dati restano)."""
    require_platform_schema()
    changed = set_plugin(slug, name, registry.cli_actor(), enabled=False)
    click.echo(f"Plugin «{name}» disattivato per «{slug}»." if changed else "Nessuna modifica.")
