"""`condiviso accounts ...`: accounts from a terminal."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from condiviso.accounts.samples import SAMPLE_PASSWORD, ensure_sample_accounts
from condiviso.commands import cli_errors, require_platform_schema
from condiviso.tenancy import registry
from condiviso.urls import tenant_url

accounts_cli = AppGroup("accounts", help="Account delle persone dei distretti.")


@accounts_cli.command("samples")
@click.option("--tenant", "slug", default="tradate", show_default=True, help="Il distretto.")
@cli_errors
def samples(slug: str) -> None:
    """Crea gli account di prova (mai in produzione) e dice come accedere."""
    require_platform_schema()
    tenant = registry.tenant_info(slug)
    people = ensure_sample_accounts(slug)
    config = current_app.config
    port = f":{config['PUBLIC_PORT']}" if config.get("PUBLIC_PORT") else ""
    console = f"{config['PREFERRED_URL_SCHEME']}://{config['PLATFORM_DOMAIN']}{port}/console/accedi"
    click.echo(f"Account di prova (password per tutti: {SAMPLE_PASSWORD}):")
    for role, where, email in people:
        url = console if where == "console" else tenant_url(tenant, "/accedi")
        click.echo(f"  {role:<18} {email:<40} {url}")
