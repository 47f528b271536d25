"""8. A district's database missing (its SQLite file renamed away) or offline (its PostgreSQL
server stopped) answers 503 for that district only, every other district is served, and the
district heals by itself when its database is back."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from condiviso.jobs.local import local_runner
from tests.clients import HostClient, csrf_token, finish_jobs
from tests.conftest import BACKEND, PLATFORM_DOMAIN, SmtpSink
from tests.faults.conftest import Deployment
from tests.faults.forms import (
    NOT_SAVED,
    check_nothing_lost,
    mail_counts,
    open_forms,
    stylesheet,
)
from tests.people import PASSWORD


@contextmanager
def database_gone(deployment: Deployment, app: Flask) -> Iterator[None]:
    """Take the failing district's database away: SQLite, its file renamed; PostgreSQL, its
    server stopped. Put it back afterwards."""
    if BACKEND == "sqlite":
        path = deployment.failing_database_file(app)
        away = path.with_name(f"{path.name}.away")
        path.rename(away)
        try:
            yield
        finally:
            away.rename(path)
    else:
        assert deployment.tenants is not None
        deployment.tenants.stop()
        try:
            yield
        finally:
            deployment.tenants.start()


def _mailing_worker(deployment: Deployment, smtp: SmtpSink) -> Flask:
    return deployment.worker(
        SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.controller.port, SMTP_STARTTLS=False
    )


def _console(app: Flask, email: str) -> HostClient:
    console = HostClient(app, PLATFORM_DOMAIN)
    token = csrf_token(console.get("/console/accedi").text)
    signed = console.post(
        "/console/accedi", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302, signed.text
    return console


def test_a_district_without_its_database_answers_503_alone_and_heals(
    deployment: Deployment, smtp: SmtpSink, caplog
):
    worker = _mailing_worker(deployment, smtp)
    failing = HostClient(worker, deployment.failing.host)
    other = HostClient(worker, deployment.other.host)
    assert failing.get("/").status_code == 200  # its engine and pool are warm
    forms = open_forms(worker, deployment.failing)
    others = open_forms(worker, deployment.other)
    before = mail_counts(forms + others, smtp)
    console = _console(worker, deployment.operator)
    invite_page = console.get(f"/console/distretti/{deployment.failing.slug}")
    signed_in = forms[-1].client  # a citizen with a session

    with caplog.at_level(logging.WARNING), database_gone(deployment, worker):
        for form in forms:
            form.submit()
        home = failing.get("/")
        english = failing.get("/", headers={"Accept-Language": "en"})
        lost_page = signed_in.get("/non-esiste")
        for form in others:
            form.submit()
        served = other.get("/")
        token = csrf_token(invite_page.text)
        invited = console.post(
            f"/console/distretti/{deployment.failing.slug}/amministrazione",
            data={"admin_email": "nuova@esempio.it", "csrf_token": token},
        )
        exported = console.post(
            f"/console/distretti/{deployment.failing.slug}/esporta",
            data={"confirmation": deployment.failing.slug, "csrf_token": token},
        )
    # What was queued during the outage (a reset asks nothing of the database in the request)
    # is done now that the database is back.
    local_runner(worker).retry_now()
    finish_jobs(worker)

    assert home.status_code == 503
    assert home.headers["Retry-After"] == "30"
    assert deployment.failing.name in home.text and "Riprova tra qualche minuto" in home.text
    assert stylesheet(worker) in home.text and '<html lang="it">' in home.text
    assert english.status_code == 503 and '<html lang="en">' in english.text
    assert "Please try again in a few minutes" in english.text
    # The ordinary 404 page would load the signed-in person from the missing database.
    assert lost_page.status_code == 503
    assert invited.status_code == 503
    assert deployment.failing.name in invited.text and NOT_SAVED in invited.text
    assert exported.status_code == 503 and deployment.failing.name in exported.text
    outcomes = check_nothing_lost(forms, smtp, before)
    assert outcomes.pop("password dimenticata") == "saved"
    assert set(outcomes.values()) == {"refused"}
    # Every other district is served, and its forms are saved.
    assert served.status_code == 200
    assert set(check_nothing_lost(others, smtp, before).values()) == {"saved"}
    outage_lines = [
        r.getMessage()
        for r in caplog.records
        if r.name == "condiviso.outages" and "guasti-a" in r.getMessage()
    ]
    assert len(outage_lines) == 1 and "unreachable" in outage_lines[0]

    # Back: the district heals by itself, with no stale connection left.
    with caplog.at_level(logging.WARNING):
        assert failing.get("/").status_code == 200
        again = open_forms(worker, deployment.failing)
        before = mail_counts(again, smtp)
        for form in again:
            form.submit()
        finish_jobs(worker)
    assert set(check_nothing_lost(again, smtp, before).values()) == {"saved"}
    assert any("answers again" in r.getMessage() for r in caplog.records)
