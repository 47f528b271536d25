"""10. The mail server refusing connections or stalling: every page answers at once, every form
is saved, and every e-mail leaves once the server is back, exactly once (the delivery job is
idempotent by Message-ID), with the inline backend and with RQ."""

from __future__ import annotations

import base64
import time
import uuid
from datetime import UTC, datetime

from rq.registry import ScheduledJobRegistry

from condiviso.jobs import execute
from condiviso.jobs.local import local_runner
from condiviso.jobs.redis_queue import get_queue, work
from tests.clients import finish_jobs
from tests.conftest import SmtpSink
from tests.faults.conftest import Deployment
from tests.faults.forms import check_nothing_lost, mail_counts, open_forms
from tests.faults.processes import PlainServer, free_port


def _worker(deployment: Deployment, port: int, **overrides: object):
    return deployment.worker(
        SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False, SMTP_TIMEOUT=1.0, **overrides
    )


def _submit_timed(forms) -> list[float]:
    timings = []
    for form in forms:
        started = time.monotonic()
        form.submit()
        timings.append(time.monotonic() - started)
    return timings


def test_a_refusing_mail_server_slows_no_page_and_loses_no_mail(deployment: Deployment):
    port = free_port()  # nobody listens there yet: every connection is refused
    worker = _worker(deployment, port)
    forms = open_forms(worker, deployment.other)
    sink = SmtpSink(port)
    before = mail_counts(forms, sink)

    timings = _submit_timed(forms)
    finish_jobs(worker)  # each delivery was tried once, and failed
    waiting = local_runner(worker).waiting()
    sink.controller.start()
    try:
        local_runner(worker).retry_now()
        finish_jobs(worker)
        outcomes = check_nothing_lost(forms, sink, before)
        delivered = len(sink.messages)
        # Once more: a retry of a message that went out sends nothing.
        local_runner(worker).retry_now()
        finish_jobs(worker)
        again = sink.messages[0]
        payload = base64.b64encode(again.as_bytes()).decode()
        with worker.app_context():
            execute(worker, "mail.deliver", deployment.other.slug, {"message": payload})
    finally:
        sink.controller.stop()

    assert max(timings) < 2.0, timings
    assert set(outcomes.values()) == {"saved"}
    # Registration, reset, invitation, request (citizen and desk) and booking: six e-mails.
    assert waiting == delivered == 6
    assert len(sink.messages) == delivered  # none twice


def test_a_stalling_mail_server_never_holds_up_the_page(deployment: Deployment):
    stalled = PlainServer()
    worker = _worker(deployment, stalled.port)
    (registration,) = [
        f
        for f in open_forms(worker, deployment.other, finish_jobs=False)
        if f.name == "registrazione"
    ]
    started = time.monotonic()
    registration.submit()
    answered_in = time.monotonic() - started
    finish_jobs(worker)  # the delivery waited for the server's timeout, away from the page
    stalled.stop()
    sink = SmtpSink(stalled.port)
    sink.controller.start()
    try:
        local_runner(worker).retry_now()
        finish_jobs(worker)
    finally:
        sink.controller.stop()
    assert registration.response.status_code == 200
    assert answered_in < 1.0, answered_in
    assert len(sink.to(registration.mail_to)) == 1


def test_with_rq_a_failed_delivery_is_retried_by_the_queue_and_sent_once(deployment: Deployment):
    port = free_port()
    worker = _worker(
        deployment, port, JOBS_BACKEND="rq", REDIS_PREFIX=f"faults-{uuid.uuid4().hex[:8]}:"
    )
    forms = [f for f in open_forms(worker, deployment.other) if f.name == "registrazione"]
    sink = SmtpSink(port)
    before = mail_counts(forms, sink)
    _submit_timed(forms)
    with worker.app_context():
        queue = get_queue(worker)
        assert queue.count == 1
        work(worker, burst=True)  # refused: the job waits for its retry
        scheduled = ScheduledJobRegistry(queue=queue)
        (job_id,) = scheduled.get_job_ids()
        sink.controller.start()
        try:
            scheduled.schedule(queue.fetch_job(job_id), datetime.now(UTC))  # its retry is due
            work(worker, burst=True)
            outcomes = check_nothing_lost(forms, sink, before)
        finally:
            sink.controller.stop()
        assert queue.count == 0 and not scheduled.get_job_ids()
        prefix = worker.config["REDIS_PREFIX"]
        queue.connection.srem("rq:queues", queue.key)
        for pattern in (f"*{prefix}*", f"*{prefix.replace(':', '-')}*"):
            for key in queue.connection.scan_iter(pattern):
                queue.connection.delete(key)
    assert outcomes == {"registrazione": "saved"}
