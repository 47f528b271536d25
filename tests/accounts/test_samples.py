"""Sample accounts for a newcomer's machine: one per role, idempotent, never in production."""

from __future__ import annotations

import pytest

from condiviso.accounts.samples import SAMPLE_PASSWORD
from condiviso.console.operators import create_operator
from condiviso.errors import InvalidInput
from tests.accounts.flows import post_form
from tests.conftest import PLATFORM_DOMAIN, build_app
from tests.districts import provision


def test_sample_accounts_are_created_once_and_work(app, host_client):
    provision(app, "samples", "Ambito di prova (account di prova)")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["accounts", "samples", "--tenant", "samples"])
    again = runner.invoke(args=["accounts", "samples", "--tenant", "samples"])
    assert first.exit_code == again.exit_code == 0, first.output
    assert first.output == again.output
    assert SAMPLE_PASSWORD in first.output
    assert "amministrazione@samples.example.org" in first.output
    client = host_client(f"samples.{PLATFORM_DOMAIN}")
    assert (
        post_form(
            client,
            "/accedi",
            {"email": "amministrazione@samples.example.org", "password": SAMPLE_PASSWORD},
        ).status_code
        == 302
    )
    assert client.get("/admin/personale").status_code == 200
    console = host_client(PLATFORM_DOMAIN)
    assert (
        post_form(
            console,
            "/console/accedi",
            {"email": "operatore@condiviso.example.org", "password": SAMPLE_PASSWORD},
        ).status_code
        == 302
    )


def test_sample_accounts_are_refused_in_production(tmp_path_factory):
    production = build_app(tmp_path_factory, CONDIVISO_ENV="production")
    provision(production, "prod", "Ambito in produzione")
    result = production.test_cli_runner().invoke(args=["accounts", "samples", "--tenant", "prod"])
    assert result.exit_code == 2
    assert "produzione" in result.output


def test_operators_need_an_address_the_sign_in_form_accepts(app):
    with app.app_context(), pytest.raises(InvalidInput) as refused:
        create_operator("anna@piattaforma.test", "Anna", "una frase lunga e sicura")
    assert "email" in refused.value.errors
