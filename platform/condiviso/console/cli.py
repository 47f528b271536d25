"""`condiviso operator ...`: the platform operators who sign in to the console."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from condiviso.commands import CommandError, cli_errors, require_platform_schema
from condiviso.console.operators import OperatorSchema, create_operator
from condiviso.validation import load_or_raise

operator_cli = AppGroup("operator", help="Operatori della piattaforma (accesso alla console).")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = click.prompt("Password", hide_input=True)
    again = click.prompt("Ripeti la password", hide_input=True)
    if password != again:
        raise CommandError("Le due password non coincidono: nulla è cambiato.")
    return password


@operator_cli.command("create")
@click.option("--email", required=True, help="Indirizzo e-mail, usato per accedere.")
@click.option("--name", "full_name", required=True, help="Nome e cognome.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Legge la password dalla prima riga dello standard input invece di chiederla.",
)
@cli_errors
def create(email: str, full_name: str, password_stdin: bool) -> None:
    """Crea un operatore della piattaforma; la password si chiede due volte, nascosta."""
    require_platform_schema()
    # Refuse a bad address before asking for a password, not after.
    load_or_raise(OperatorSchema(), {"email": email, "full_name": full_name})
    operator = create_operator(email, full_name, _read_password(password_stdin))
    click.echo(f"Operatore {operator.email} creato: può accedere alla console.")
