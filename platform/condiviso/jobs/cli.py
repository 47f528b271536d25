"""`condiviso jobs ...`: the worker, the clock of periodic jobs, and one job run by hand."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from condiviso.commands import CommandError, cli_errors, require_platform_schema
from condiviso.jobs.clock import run_clock, tick
from condiviso.jobs.names import UnknownJob
from condiviso.jobs.runner import Outcome, execute

jobs_cli = AppGroup("jobs", help="Lavori in background: worker, orologio, esecuzione a mano.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Esegue i lavori in coda, poi termina.")
@cli_errors
def worker(burst: bool) -> None:
    """Esegue i lavori della coda Redis finché non viene fermato (JOBS_BACKEND=rq)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["JOBS_BACKEND"] != "rq":
        raise CommandError(
            "JOBS_BACKEND è «inline»: i lavori girano nel processo che li chiede e non c'è "
            "una coda da servire. Il worker serve con JOBS_BACKEND=rq e REDIS_URL."
        )
    require_platform_schema()
    from condiviso.jobs.redis_queue import queue_name, work

    click.echo(f"Worker sulla coda «{queue_name(app)}».")
    work(app, burst=burst)


@jobs_cli.command("tick")
@cli_errors
def tick_once() -> None:
    """Accoda una volta i lavori periodici di ogni distretto attivo."""
    require_platform_schema()
    queued = tick()
    for slug, name in queued:
        click.echo(f"  {slug}: {name}")
    click.echo(f"Lavori periodici accodati: {len(queued)}.")


@jobs_cli.command("clock")
@cli_errors
def clock() -> None:
    """Accoda i lavori periodici ogni JOBS_TICK_SECONDS secondi, finché non viene fermato."""
    require_platform_schema()
    interval = current_app.config["JOBS_TICK_SECONDS"]
    click.echo(f"Orologio dei lavori: un giro ogni {interval} secondi (Ctrl+C per fermarlo).")
    try:
        run_clock(interval)
    except KeyboardInterrupt:
        click.echo("Orologio fermato.")


def _parse_arguments(raw: str) -> dict:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise CommandError(f"--kwargs non è JSON valido ({error.msg}).") from None
    if not isinstance(value, dict):
        raise CommandError("--kwargs deve essere un oggetto JSON, es. '{\"booking_id\": 3}'.")
    return value


@jobs_cli.command("run")
@click.argument("name")
@click.option("--tenant", "slug", required=True, help="Il distretto.")
@click.option(
    "--kwargs", "raw_arguments", default="{}", help="Argomenti in JSON, es. '{\"booking_id\": 3}'."
)
@cli_errors
def run_now(name: str, slug: str, raw_arguments: str) -> None:
    """Esegue subito un lavoro per un distretto, in questo processo."""
    require_platform_schema()
    arguments = _parse_arguments(raw_arguments)
    try:
        outcome = execute(current_app._get_current_object(), name, slug, arguments)  # type: ignore[attr-defined]
    except UnknownJob:
        raise CommandError(f"Nessun lavoro si chiama «{name}».") from None
    except Exception as error:
        raise click.ClickException(
            f"Il lavoro «{name}» per «{slug}» non è riuscito: {error}"
        ) from None
    if outcome is Outcome.NO_TENANT:
        raise CommandError(f"Il distretto «{slug}» non esiste: lavoro non eseguito.")
    if outcome is Outcome.INACTIVE:
        raise CommandError(f"Il distretto «{slug}» non è attivo: lavoro non eseguito.")
    click.echo(f"Lavoro «{name}» eseguito per «{slug}».")
