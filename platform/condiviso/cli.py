"""The `condiviso` command: Flask's CLI with the platform's command groups."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    from condiviso.accounts.cli import accounts_cli
    from condiviso.console.cli import operator_cli
    from condiviso.jobs.cli import jobs_cli
    from condiviso.plugins.cli import plugins_cli
    from condiviso.tenancy.cli import db_cli, tenant_cli

    app.cli.add_command(tenant_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(plugins_cli)
    app.cli.add_command(operator_cli)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(jobs_cli)


def _create_app() -> Flask:
    from condiviso.app import create_app

    return create_app()


def main() -> None:
    FlaskGroup(
        name="condiviso",
        create_app=_create_app,
        load_dotenv=False,
        help="Condiviso: piattaforma multi-distretto per il welfare condiviso.",
    )()
