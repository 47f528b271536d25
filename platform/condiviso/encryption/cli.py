"""`condiviso keys ...`: a new data-encryption key, and re-encryption under the newest key."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from condiviso.commands import CommandError, cli_errors, require_platform_schema
from condiviso.config import ConfigurationError, build_config, read_environment
from condiviso.encryption.ring import KeyRing, KeyRingError, new_entry, parse_key_ring
from condiviso.encryption.rotation import reencrypt_districts
from condiviso.encryption.sealed import key_ring

keys_cli = AppGroup("keys", help="Chiavi di cifratura dei dati: nuove chiavi e ricifratura.")


def _configured_ring() -> KeyRing | None:
    """The ring the deployment would start with, read without starting it (production may not
    have one yet: that is when the first key is made)."""
    environ = read_environment()
    value = environ.get("DATA_ENCRYPTION_KEYS")
    try:
        if value:
            return parse_key_ring(value)
        if (environ.get("CONDIVISO_ENV") or "development").lower() == "production":
            return None
        return build_config(environ)["DATA_ENCRYPTION_KEYS"]
    except (KeyRingError, ConfigurationError) as error:
        raise CommandError(f"DATA_ENCRYPTION_KEYS non è valida: {error}") from None


@keys_cli.command("generate", with_appcontext=False)
def generate() -> None:
    """Stampa una nuova chiave `versione:chiave` da mettere in testa a DATA_ENCRYPTION_KEYS."""
    ring = _configured_ring()
    entry = new_entry(ring)
    click.echo(entry)
    if ring is None:
        click.echo("Prima chiave: è il valore di DATA_ENCRYPTION_KEYS.", err=True)
    else:
        click.echo(
            f"Mettila in testa a DATA_ENCRYPTION_KEYS, prima di «{ring.newest[0]}:…», in ogni "
            "processo; riavviali, poi esegui `condiviso keys reencrypt`.",
            err=True,
        )


@keys_cli.command("reencrypt")
@click.option("--tenant", "only", multiple=True, help="Solo questi distretti (ripetibile).")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 10_000),
    default=500,
    show_default=True,
    help="Righe lette e salvate per volta.",
)
@cli_errors
def reencrypt(only: tuple[str, ...], batch_size: int) -> None:
    """Ricifra con la chiave più recente ogni campo cifrato di ogni distretto (o di quelli dati)."""
    require_platform_schema()
    newest = key_ring().newest[0]
    reports = reencrypt_districts(only, batch_size)
    for report in reports:
        before = ", ".join(
            f"{count} {'senza versione' if version is None else f'con la chiave {version}'}"
            for version, count in sorted(report.found.items(), key=lambda item: item[0] or 0)
        )
        click.echo(
            f"«{report.slug}»: {report.rewritten} valori ricifrati con la chiave {newest}"
            f" (trovati: {before or 'nessun valore cifrato'})."
        )
    click.echo(f"Distretti: {len(reports)}. Chiave più recente: {newest}.")
