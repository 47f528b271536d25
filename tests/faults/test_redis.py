"""9. Redis down or stalling: sign-in, activation, registration, reset, invitations, requests
and bookings all work; rate limits are counted in the process's memory, jobs run in the
process, the registry reloads from the database once per retry interval (never on every
request); /readyz says `degraded` with a 200; everything goes back to Redis when it answers."""

from __future__ import annotations

import logging
import time
import uuid

import redis
import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.jobs.redis_queue import get_queue, work
from tests.clients import HostClient, csrf_token, finish_jobs
from tests.conftest import PLATFORM_DOMAIN, SmtpSink
from tests.faults.conftest import Deployment
from tests.faults.forms import check_nothing_lost, mail_counts, open_forms
from tests.faults.processes import PlainServer, PrivateRedis
from tests.people import make_user

RETRY = 1.0


def _registry_loads(app) -> list[int]:
    """Counts the registry snapshots `app` loads from the platform database."""
    loads = [0]
    with app.app_context():
        engine = db.engines["platform"]

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_args) -> None:
        if "FROM tenant " in statement and "tenant.status IN" in statement:
            loads[0] += 1

    return loads


def _failed_sign_ins(app, host: str, times: int) -> list[int]:
    client = HostClient(app, host)
    token = csrf_token(client.get("/accedi").text)
    wrong = {"email": "nessuno@esempio.it", "password": "sbagliata", "csrf_token": token}
    return [client.post("/accedi", data=wrong).status_code for _ in range(times)]


def _mailing(smtp: SmtpSink) -> dict:
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.controller.port, "SMTP_STARTTLS": False}


def test_with_redis_down_every_form_works_and_it_heals(
    deployment: Deployment, private_redis: PrivateRedis, smtp: SmtpSink, caplog
):
    worker = deployment.worker(
        REDIS_URL=private_redis.url,
        JOBS_BACKEND="rq",
        REGISTRY_RETRY_SECONDS=RETRY,
        REDIS_RETRY_SECONDS=RETRY,
        **_mailing(smtp),
    )
    host = deployment.other.host
    district = HostClient(worker, host)
    assert district.get("/").status_code == 200
    forms = open_forms(worker, deployment.other)
    before = mail_counts(forms, smtp)
    loads = _registry_loads(worker)

    with caplog.at_level(logging.WARNING):
        private_redis.stop()
        stopped_at = time.monotonic()
        served = [district.get("/").status_code for _ in range(20)]
        served_for, reloaded = time.monotonic() - stopped_at, loads[0]
        for form in forms:
            form.submit()
        finish_jobs(worker)  # run here, since Redis could not take them
        outcomes = check_nothing_lost(forms, smtp, before)
        ready = HostClient(worker, PLATFORM_DOMAIN).get("/readyz")
        limited = _failed_sign_ins(worker, host, 11)

        private_redis.start()
        time.sleep(RETRY + 0.1)
        forgetful = f"dimentica-{uuid.uuid4().hex[:8]}@esempio.it"
        make_user(worker, deployment.other.slug, forgetful, "citizen")
        reset = HostClient(worker, host)
        token = csrf_token(reset.get("/password-dimenticata").text)
        asked = reset.post("/password-dimenticata", data={"email": forgetful, "csrf_token": token})
        again = _failed_sign_ins(worker, host, 1)

    assert served == [200] * 20
    assert reloaded <= served_for / RETRY + 2  # no reload storm
    assert set(outcomes.values()) == {"saved"}
    assert ready.status_code == 200
    assert ready.json == {
        "status": "degraded",
        "checks": {"platform_database": "ok", "redis": "degraded"},
    }
    # Limits still hold, counted in this process's memory.
    assert 429 not in limited[:10] and limited[10] == 429
    redis_lines = [r.getMessage() for r in caplog.records if r.name == "condiviso.redis_connection"]
    assert sum("unreachable" in line for line in redis_lines) == 1
    assert sum("answers again" in line for line in redis_lines) == 1

    # Redis is back: jobs wait in its queue again, and limits are counted there.
    assert asked.status_code == 200 and again == [400]
    with worker.app_context():
        assert get_queue(worker).count == 1
        work(worker, burst=True)
        assert get_queue(worker).count == 0
    assert len(smtp.to(forgetful)) == 1
    client = redis.Redis.from_url(private_redis.url)
    assert any(b"login" in key for key in client.scan_iter("*"))
    client.close()


def test_a_stalling_redis_costs_one_timeout_not_one_per_request(deployment: Deployment, smtp):
    """A Redis that accepts connections and never answers: the first request waits for the
    client's timeout, the next ones go straight to the fallbacks."""
    stalled = PlainServer()
    try:
        worker = deployment.worker(
            REDIS_URL=f"redis://127.0.0.1:{stalled.port}/0",
            JOBS_BACKEND="rq",
            REDIS_TIMEOUT_SECONDS=0.5,
            REDIS_RETRY_SECONDS=30,
            REGISTRY_RETRY_SECONDS=30,
            **_mailing(smtp),
        )
        forms = open_forms(worker, deployment.other)
        before = mail_counts(forms, smtp)
        timings = []
        for form in forms:
            started = time.monotonic()
            form.submit()
            timings.append(time.monotonic() - started)
        finish_jobs(worker)
    finally:
        stalled.stop()
    assert set(check_nothing_lost(forms, smtp, before).values()) == {"saved"}
    # The stall was met once, while the forms were opened (by the registry, then by the first
    # rate limit): no submission waits for Redis.
    assert max(timings) < 2.0, timings
