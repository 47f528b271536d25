"""E-mail goes through the job queue: rendered in the request, delivered after it by the job
`mail.deliver`, once per Message-ID, also for a district suspended meanwhile."""

from __future__ import annotations

import base64
import smtplib
from pathlib import Path

import pytest

from condiviso.jobs import execute
from condiviso.mail.delivery import MAIL_JOB, build_message, deliver, send_mail
from condiviso.tenancy import lifecycle, tenant_context
from tests.clients import finish_jobs
from tests.conftest import PLATFORM_DOMAIN, SmtpSink, build_app
from tests.districts import ACTOR, provision


def test_a_mail_is_rendered_in_the_request_and_delivered_after_it(mail_app, smtp):
    tenant = provision(mail_app, "posta", "Ambito della posta (test)")
    with (
        mail_app.test_request_context(base_url=f"http://posta.{PLATFORM_DOMAIN}"),
        tenant_context("posta"),
    ):
        message_id = send_mail(
            tenant,
            "lettrice@esempio.it",
            "password_reset",
            "en",
            user={"full_name": "Lia"},
            url="http://x/y",
        )
        assert smtp.to("lettrice@esempio.it") == []  # nothing leaves before the request ends
    finish_jobs(mail_app)
    (arrived,) = smtp.to("lettrice@esempio.it")
    assert arrived["Message-ID"] == message_id
    assert arrived["X-Condiviso-Tenant"] == "posta"
    assert "password" in arrived["Subject"].lower()  # rendered in English, in the request


def test_the_outbox_keeps_one_copy_per_message_id(tmp_path_factory):
    app = build_app(tmp_path_factory, SMTP_HOST=None)
    tenant = provision(app, "cartella", "Ambito della cartella (test)")
    with app.app_context():
        message = build_message(tenant, "uno@esempio.it", "Oggetto", "Testo\n")
        deliver(message)
        deliver(message)
        deliver(build_message(tenant, "uno@esempio.it", "Oggetto", "Testo\n"))
    assert len(list((Path(app.config["MAIL_OUTBOX"]) / "cartella").glob("*.eml"))) == 2


def test_a_districts_mail_still_leaves_once_it_is_suspended(mail_app, smtp):
    tenant = provision(mail_app, "sospesa-posta", "Ambito sospeso (test)")
    with mail_app.app_context():
        message = build_message(tenant, "sospesa@esempio.it", "Promemoria", "Testo\n")
        lifecycle.suspend_tenant("sospesa-posta", ACTOR)
    payload = base64.b64encode(bytes(message)).decode()
    execute(mail_app, MAIL_JOB, "sospesa-posta", {"message": payload})
    execute(mail_app, MAIL_JOB, "sospesa-posta", {"message": payload})  # a retry: not twice
    assert len(smtp.to("sospesa@esempio.it")) == 1


class RefusingSink(SmtpSink):
    """A mail server that refuses one address for good (550) and greylists another (450)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nessuno"):
            return "550 5.1.1 no such user"
        if address.startswith("dopo"):
            return "450 4.2.0 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_refusal_for_good_is_not_retried_and_a_temporary_one_is(tmp_path_factory):
    sink = RefusingSink()
    sink.controller.start()
    try:
        app = build_app(
            tmp_path_factory,
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=sink.controller.port,
            SMTP_STARTTLS=False,
        )
        tenant = provision(app, "rifiuti", "Ambito dei rifiuti (test)")
        with app.app_context():
            deliver(build_message(tenant, "nessuno@esempio.it", "Oggetto", "Testo\n"))
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                deliver(build_message(tenant, "dopo@esempio.it", "Oggetto", "Testo\n"))
            deliver(build_message(tenant, "qualcuno@esempio.it", "Oggetto", "Testo\n"))
    finally:
        sink.controller.stop()
    assert [m["To"] for m in sink.messages] == ["qualcuno@esempio.it"]
