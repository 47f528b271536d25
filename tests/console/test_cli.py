"""`condiviso operator create`: a new operator who can sign in, or a clear refusal (exit 2)
that changes nothing."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.tenancy.models import PlatformOperator
from tests.console.conftest import ConsoleClient, sign_in_operator
from tests.people import PASSWORD


def _create(app, *args: str, stdin: str | None = None):
    return app.test_cli_runner().invoke(args=["operator", "create", *args], input=stdin)


def _operators(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(PlatformOperator))


def _email() -> str:
    return f"console-{uuid.uuid4().hex[:8]}@esempio.it"


def test_create_reads_the_password_from_stdin_and_the_operator_can_sign_in(app):
    email = _email()
    result = _create(
        app,
        "--email",
        email.upper(),
        "--name",
        "Piera Piattaforma",
        "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert email in result.output
    with app.app_context():
        operator = db.session.scalar(
            sa.select(PlatformOperator).where(PlatformOperator.email == email)
        )
        assert operator.full_name == "Piera Piattaforma"
        assert PASSWORD not in operator.password_hash
    assert sign_in_operator(ConsoleClient(app), email).status_code == 302


def test_create_asks_for_the_password_twice_without_echoing_it(app):
    email = _email()
    result = _create(app, "--email", email, "--name", "Piera", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert result.output.count("assword") >= 2
    assert sign_in_operator(ConsoleClient(app), email).status_code == 302


def test_two_different_passwords_are_refused(app):
    before = _operators(app)
    result = _create(
        app, "--email", _email(), "--name", "Piera", stdin=f"{PASSWORD}\naltra frase diversa\n"
    )
    assert result.exit_code == 2 and "non coincidono" in result.output
    assert _operators(app) == before


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("non-un-indirizzo", PASSWORD, "email"),
        (None, "corta", "almeno"),
        (None, "aaaaaaaaaaaaaaaa", "troppo semplice"),
        (None, "", "almeno"),
    ],
)
def test_bad_input_exits_with_2_and_changes_nothing(app, email, password, message):
    before = _operators(app)
    result = _create(
        app,
        "--email",
        email or _email(),
        "--name",
        "Piera",
        "--password-stdin",
        stdin=f"{password}\n",
    )
    assert result.exit_code == 2, result.output
    assert "nulla è cambiato" in result.output and message in result.output
    assert _operators(app) == before


def test_an_email_already_taken_is_refused(app, operator):
    before = _operators(app)
    result = _create(
        app, "--email", operator, "--name", "Doppione", "--password-stdin", stdin=f"{PASSWORD}\n"
    )
    assert result.exit_code == 2
    assert "Esiste già un operatore" in result.output and "Nulla è cambiato" in result.output
    assert _operators(app) == before
