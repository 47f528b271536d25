"""`condiviso wallet check --tenant <slug>`: the ledger's invariants, from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from condiviso.plugin_api import NotFound, find_tenant, tenant_context
from plugins.wallet.checking import problems


class Refused(click.ClickException):
    """A refused command (as every `condiviso` command's): exit code 2, apart from the 1 of a
    ledger with problems."""

    exit_code = 2


wallet_cli = click.Group("wallet", help="Il registro dei movimenti (borsellino) dei distretti.")


@wallet_cli.command("check")
@click.option("--tenant", "slug", required=True, help="Il distretto da verificare (slug).")
@with_appcontext
def check(slug: str) -> None:
    """Verifica il registro: ogni movimento somma a zero, ogni saldo è la somma delle sue righe,
    nessun conto che non può andare sotto zero è negativo. Esce con 1 se qualcosa non va."""
    try:
        tenant = find_tenant(slug)
    except NotFound:
        raise Refused(f"il distretto {slug} non esiste") from None
    if not tenant.has_plugin("wallet"):
        raise Refused(f"il distretto {slug} non ha il borsellino attivo")
    with tenant_context(slug):
        found = problems()
    if found:
        for line in found:
            click.echo(line, err=True)
        raise SystemExit(1)
    click.echo(f"{slug}: registro in ordine.")
