"""7. The platform database down: each worker keeps serving the districts from its last good
registry snapshot for REGISTRY_STALE_SECONDS, trying the database again at most every
REGISTRY_RETRY_SECONDS and logging the outage once; past that (or with no snapshot ever loaded)
every host that needs the registry answers a 503 page that needs no database; it heals as soon
as the database answers."""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa

from condiviso.app import create_app
from condiviso.extensions import db
from condiviso.jobs.local import local_runner
from tests.clients import HostClient, csrf_token, finish_jobs
from tests.conftest import PLATFORM_DOMAIN, SmtpSink, _apps
from tests.faults.conftest import Deployment
from tests.faults.forms import (
    NOT_SAVED,
    check_nothing_lost,
    mail_counts,
    open_forms,
    stylesheet,
)
from tests.faults.processes import wait_until

STALE = 6.0
RETRY = 1.0


def _attempts_on(app) -> list[int]:
    """Counts every failed call to the platform database of `app`."""
    failures = [0]
    with app.app_context():
        engine = db.engines["platform"]

    @sa.event.listens_for(engine, "handle_error")
    def _count(_context) -> None:
        failures[0] += 1

    return failures


def test_districts_are_served_from_the_snapshot_then_503_and_it_heals(
    deployment: Deployment, smtp: SmtpSink, caplog
):
    worker = deployment.worker(
        REDIS_URL=None,  # the registry version lives in the platform database too
        REGISTRY_STALE_SECONDS=STALE,
        REGISTRY_RETRY_SECONDS=RETRY,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp.controller.port,
        SMTP_STARTTLS=False,
    )
    district = HostClient(worker, deployment.failing.host)
    apex = HostClient(worker, PLATFORM_DOMAIN)
    within, past = open_forms(worker, deployment.failing), open_forms(worker, deployment.other)
    before = mail_counts(within + past, smtp)
    login_page = apex.get("/console/accedi")
    attempts = _attempts_on(worker)

    with caplog.at_level(logging.WARNING):
        assert district.get("/").status_code == 200  # the snapshot is current now
        deployment.platform.stop()
        stopped_at = time.monotonic()
        try:
            served = [district.get("/").status_code for _ in range(30)]
            served_for, tried = time.monotonic() - stopped_at, attempts[0]
            for form in within:
                form.submit()
            ready = apex.get("/readyz")
            console = apex.post(
                "/console/accedi",
                data={
                    "email": deployment.operator,
                    "password": "x",
                    "csrf_token": csrf_token(login_page.text),
                },
            )
            elapsed = time.monotonic() - stopped_at
            assert elapsed < STALE, "the machine is too slow for this test's stale bound"
            time.sleep(STALE - elapsed + RETRY)
            refused = district.get("/")
            english = HostClient(worker, deployment.other.host).get(
                "/", headers={"Accept-Language": "en"}
            )
            for form in past:
                form.submit()
            records_of_this_worker = len(caplog.records)
            newcomer = create_app(worker.test_settings, environ={})  # a worker started now
            _apps.append(newcomer)
            never_loaded = HostClient(newcomer, deployment.other.host).get("/")
        finally:
            deployment.platform.start()
        healed_at = time.monotonic()
        wait_until(lambda: district.get("/").status_code == 200, timeout=RETRY + 10)
        healed_in = time.monotonic() - healed_at

    # Served from the snapshot, the database tried at most once per retry interval.
    assert served == [200] * 30
    assert tried <= served_for / RETRY + 2
    # The forms sent meanwhile were saved (a district's own database was up).
    assert ready.status_code == 503
    assert ready.json["checks"]["platform_database"] == "unreachable"
    assert console.status_code == 503 and NOT_SAVED in console.text
    # Past the bound: 503 on every district's host, on a page that needs no database.
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
    assert (
        "Servizio non disponibile" in refused.text and "Riprova tra qualche minuto" in refused.text
    )
    assert stylesheet(worker) in refused.text
    assert english.status_code == 503 and "Please try again in a few minutes" in english.text
    assert never_loaded.status_code == 503
    # One warning for the whole episode, one line when it ended.
    registry_lines = [
        r.getMessage()
        for number, r in enumerate(caplog.records)
        if r.name == "condiviso.tenancy.snapshot"
        and (number < records_of_this_worker or "answers again" in r.msg)
    ]
    assert sum("unreachable" in line for line in registry_lines) == 1
    assert sum("answers again" in line for line in registry_lines) == 1
    assert healed_in < RETRY + 5

    # The e-mails of the saved forms could not leave while the job runner could not read the
    # registry: they went out once it could.
    local_runner(worker).retry_now()
    finish_jobs(worker)
    assert set(check_nothing_lost(within, smtp, before).values()) == {"saved"}
    assert set(check_nothing_lost(past, smtp, before).values()) == {"refused"}
    assert HostClient(worker, deployment.other.host).get("/").status_code == 200
