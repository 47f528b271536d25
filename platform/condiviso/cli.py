"""The `condiviso` command: Flask's CLI with the platform's command groups."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    from condiviso.accounts.cli import accounts_cli
    from condiviso.console.cli import operator_cli
    from condiviso.districts.cli import db_cli, tenant_cli
    from condiviso.encryption.cli import keys_cli
    from condiviso.jobs.cli import jobs_cli
    from condiviso.plugins.cli import plugins_cli

    app.cli.add_command(tenant_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(plugins_cli)
    app.cli.add_command(operator_cli)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(keys_cli)


def _create_app() -> Flask:
    from condiviso.app import create_app

    return create_app()


def command_line() -> FlaskGroup:
    """The `condiviso` command. `keys` is also its own, not only the app's: `keys generate` has
    to work before the app can start (production refuses to start without a key)."""
    from condiviso.encryption.cli import keys_cli

    group = FlaskGroup(
        name="condiviso",
        create_app=_create_app,
        load_dotenv=False,
        help="Condiviso: piattaforma multi-distretto per il welfare condiviso.",
    )
    group.add_command(keys_cli)
    return group


def main() -> None:
    command_line()()
