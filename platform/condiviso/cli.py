"""The `condiviso` command: Flask's CLI with the platform's command groups."""

from __future__ import annotations

from flask.cli import FlaskGroup

from condiviso.app import create_app
from condiviso.encryption.cli import keys_cli


def command_line() -> FlaskGroup:
    """The `condiviso` command. `keys` is also its own, not only the app's: `keys generate` has
    to work before the app can start (production refuses to start without a key)."""
    group = FlaskGroup(
        name="condiviso",
        create_app=create_app,
        load_dotenv=False,
        help="Condiviso: piattaforma multi-distretto per il welfare condiviso.",
    )
    group.add_command(keys_cli)
    return group


def main() -> None:
    command_line()()
