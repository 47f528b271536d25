"""What every `condiviso` command shares: a refusal is a clear message and exit code 2, changes
are printed one per line, and commands that need the platform schema say when it is not current."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import click
import sqlalchemy as sa

from condiviso.errors import CondivisoError, InvalidInput
from condiviso.extensions import db


class CommandError(click.ClickException):
    """A refused command: the message says why; nothing was changed."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


def cli_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InvalidInput as error:
            lines = [f"  {field}: {' '.join(messages)}" for field, messages in error.errors.items()]
            raise CommandError("\n".join(["Dati non validi, nulla è cambiato:", *lines])) from None
        except CondivisoError as error:
            raise CommandError(f"{error.message} Nulla è cambiato.") from None

    return wrapper


def require_platform_schema() -> None:
    """Fail clearly when the platform database has not been created yet."""
    if not sa.inspect(db.engines["platform"]).has_table("tenant"):
        raise click.ClickException(
            "Il database della piattaforma non è inizializzato: esegui `condiviso db upgrade`."
        )


def echo_changes(changes: Iterable[str]) -> None:
    changes = list(changes)
    if not changes:
        click.echo("  nessuna modifica")
    for change in changes:
        click.echo(f"  {change}")
