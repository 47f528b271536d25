"""`condiviso tenant ...` and `condiviso db ...`: the registry and the schemas from a terminal."""

from __future__ import annotations

import json
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from condiviso.commands import cli_errors, echo_changes, require_platform_schema
from condiviso.districts import definitions
from condiviso.districts.provisioning import provision_tenant
from condiviso.extensions import db
from condiviso.redaction import redact_credentials
from condiviso.tenancy import archive, domains, lifecycle, registry
from condiviso.tenancy.databases import database_exists
from condiviso.tenancy.models import Tenant, TenantStatus
from condiviso.tenancy.upgrade import upgrade_platform, upgrade_tenants

tenant_cli = AppGroup("tenant", help="Distretti: creazione, definizione, ciclo di vita.")
db_cli = AppGroup("db", help="Schemi dei database della piattaforma e dei distretti.")


@tenant_cli.command("create")
@click.argument("slug")
@click.option("--name", "display_name", required=True, help="Nome del distretto.")
@click.option("--plan", default="base", show_default=True, help="Piano: base, standard, plus.")
@click.option("--sample", is_flag=True, help="Distretto dimostrativo con dati di esempio.")
@cli_errors
def create(slug: str, display_name: str, plan: str, sample: bool) -> None:
    """Crea (o completa) un distretto: registro, database, attivazione."""
    require_platform_schema()
    info = provision_tenant(slug, display_name, registry.cli_actor(), plan, sample)
    click.echo(f"Distretto «{info.slug}» attivo: {info.display_name}")


@tenant_cli.command("apply")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--create-only", is_flag=True, help="Crea il distretto se manca; se esiste già non lo modifica."
)
@cli_errors
def apply(path: Path, create_only: bool) -> None:
    """Applica una definizione dichiarativa (cartella con tenant.toml)."""
    require_platform_schema()
    report = definitions.apply_definition(path, registry.cli_actor(), create_only)
    if report.skipped:
        click.echo(f"Distretto «{report.slug}» già esistente: lasciato com'è.")
        return
    verb = "creato" if report.created else "aggiornato"
    click.echo(f"Distretto «{report.slug}» {verb}.")
    echo_changes(report.changes)


@tenant_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Elenco in JSON.")
@cli_errors
def list_tenants(as_json: bool) -> None:
    """Elenca i distretti con stato, piano, domini e plugin."""
    require_platform_schema()
    tenants = db.session.scalars(sa.select(Tenant).order_by(Tenant.slug)).all()
    rows = [
        {
            "slug": t.slug,
            "name": t.display_name,
            "status": t.status.value,
            "plan": t.plan,
            "domains": [
                d.hostname + ("" if d.verified else " (non verificato)") for d in t.domains
            ],
            "plugins": [p.name for p in t.plugins if p.enabled],
        }
        for t in tenants
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Nessun distretto.")
    for row in rows:
        click.echo(
            f"{row['slug']:<24} {row['status']:<13} {row['plan']:<9} {row['name']}"
            f"  domini: {', '.join(row['domains']) or '-'}"
            f"  plugin: {', '.join(row['plugins']) or '-'}"
        )


@tenant_cli.command("show")
@click.argument("slug")
@cli_errors
def show(slug: str) -> None:
    """Mostra un distretto e le ultime modifiche al suo registro."""
    require_platform_schema()
    tenant = registry.get_tenant(slug)
    click.echo(f"slug:          {tenant.slug}")
    click.echo(f"nome:          {tenant.display_name}")
    click.echo(f"stato:         {tenant.status.value}")
    click.echo(f"piano:         {tenant.plan}")
    click.echo(f"dimostrativo:  {'sì' if tenant.sample else 'no'}")
    click.echo(f"database:      {redact_credentials(tenant.database_url)}")
    for domain in tenant.domains:
        flags = ["verificato" if domain.verified else "non verificato"]
        if domain.is_primary:
            flags.append("principale")
        click.echo(f"dominio:       {domain.hostname} ({', '.join(flags)})")
    for plugin in tenant.plugins:
        state = "attivo" if plugin.enabled else "disattivato"
        click.echo(
            f"plugin:        {plugin.name} ({state}) "
            f"{json.dumps(plugin.settings, ensure_ascii=False)}"
        )
    click.echo("ultime modifiche:")
    for entry in registry.audit_trail(slug, limit=10):
        click.echo(
            f"  {entry.at:%Y-%m-%d %H:%M} {entry.actor} {entry.action} "
            f"{json.dumps(entry.details, ensure_ascii=False)}"
        )


@tenant_cli.command("suspend")
@click.argument("slug")
@click.option("--reason", default="", help="Motivo, registrato nel registro.")
@cli_errors
def suspend(slug: str, reason: str) -> None:
    """Sospende un distretto: consultabile, nessuna scrittura, dati conservati."""
    require_platform_schema()
    changed = lifecycle.suspend_tenant(slug, registry.cli_actor(), reason)
    click.echo(f"Distretto «{slug}» sospeso." if changed else f"«{slug}» era già sospeso.")


@tenant_cli.command("resume")
@click.argument("slug")
@cli_errors
def resume(slug: str) -> None:
    """Riattiva un distretto sospeso."""
    require_platform_schema()
    changed = lifecycle.resume_tenant(slug, registry.cli_actor())
    click.echo(f"Distretto «{slug}» riattivato." if changed else f"«{slug}» era già attivo.")


@tenant_cli.command("export")
@click.argument("slug")
@click.option("--output", type=click.Path(path_type=Path), help="File .zip da scrivere.")
@cli_errors
def export(slug: str, output: Path | None) -> None:
    """Esporta database e file di un distretto in un archivio zip."""
    require_platform_schema()
    path = archive.export_tenant(slug, output)
    click.echo(f"Archivio scritto: {path}")


@tenant_cli.command("offboard")
@click.argument("slug")
@click.option("--confirm", "confirmation", help="Ripeti lo slug per confermare.")
@cli_errors
def offboard(slug: str, confirmation: str | None) -> None:
    """Dismette un distretto: archivio, poi database e file cancellati."""
    require_platform_schema()
    registry.get_tenant(slug)
    if confirmation is None:
        confirmation = click.prompt(
            f"Per dismettere «{slug}» e cancellarne il database, scrivi il suo slug"
        )
    if confirmation != slug:
        raise click.BadParameter(
            "la conferma non corrisponde allo slug: nulla è cambiato", param_hint="--confirm"
        )
    path = archive.offboard_tenant(slug, registry.cli_actor())
    click.echo(f"Distretto «{slug}» dismesso. Archivio: {path}")


@tenant_cli.group("domain")
def domain_cli() -> None:
    """Domini personalizzati di un distretto."""


@domain_cli.command("add")
@click.argument("slug")
@click.argument("hostname")
@click.option("--verified", is_flag=True, help="Il DNS è già stato verificato.")
@click.option("--primary", is_flag=True, help="Dominio usato nei collegamenti.")
@cli_errors
def domain_add(slug: str, hostname: str, verified: bool, primary: bool) -> None:
    """Assegna un dominio personalizzato (instrada solo quando è verificato)."""
    require_platform_schema()
    changed = domains.add_domain(slug, hostname, registry.cli_actor(), verified, primary)
    click.echo(f"Dominio {hostname} assegnato a «{slug}»." if changed else "Nessuna modifica.")


@domain_cli.command("verify")
@click.argument("slug")
@click.argument("hostname")
@cli_errors
def domain_verify(slug: str, hostname: str) -> None:
    """Segna come verificato un dominio (dopo aver controllato il suo DNS)."""
    require_platform_schema()
    changed = domains.verify_domain(slug, hostname, registry.cli_actor())
    click.echo(f"Dominio {hostname} verificato." if changed else "Era già verificato.")


@domain_cli.command("remove")
@click.argument("slug")
@click.argument("hostname")
@cli_errors
def domain_remove(slug: str, hostname: str) -> None:
    """Toglie un dominio personalizzato a un distretto."""
    require_platform_schema()
    changed = domains.remove_domain(slug, hostname, registry.cli_actor())
    click.echo(f"Dominio {hostname} rimosso." if changed else "Nessuna modifica.")


@db_cli.command("upgrade")
@click.option("--jobs", type=click.IntRange(1, 32), help="Distretti aggiornati in parallelo.")
@click.option("--tenant", "only", multiple=True, help="Solo questi distretti (ripetibile).")
@cli_errors
def upgrade(jobs: int | None, only: tuple[str, ...]) -> None:
    """Aggiorna lo schema della piattaforma, poi quello di ogni distretto."""
    config = current_app.config
    moved = upgrade_platform(current_app)
    click.echo("Piattaforma: " + ("aggiornata." if moved else "già aggiornata."))

    tenants, missing = registry.live_tenants(only)
    if missing:
        raise click.BadParameter(
            f"distretti inesistenti: {', '.join(sorted(missing))}", param_hint="--tenant"
        )
    targets, skipped = [], []
    for tenant in tenants:
        if tenant.status is TenantStatus.PROVISIONING and not database_exists(
            config, tenant.database_url
        ):
            skipped.append(tenant.slug)
        else:
            targets.append((tenant.slug, tenant.database_url))
    histories = registry.tenant_histories()
    with click.progressbar(length=len(targets), label="Distretti", show_pos=True) as bar:
        results = upgrade_tenants(
            config,
            targets,
            histories,
            jobs or config["UPGRADE_JOBS"],
            on_result=lambda _result: bar.update(1),
        )
    failed = sorted((r for r in results if r.error), key=lambda r: r.slug)
    moved_count = sum(1 for r in results if r.moved)
    click.echo(
        f"Distretti aggiornati: {moved_count}; già aggiornati: "
        f"{len(results) - moved_count - len(failed)}; errori: {len(failed)}."
    )
    for slug in skipped:
        click.echo(f"  - {slug}: in creazione, senza database (riprendi con `tenant apply`)")
    for result in failed:
        click.echo(f"  ✗ {result.slug}: {result.error}", err=True)
    if failed:
        raise SystemExit(1)
