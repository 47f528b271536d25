"""Building and delivering e-mail. The sender's name and reply-to come from the district.

A message is rendered in the request that wants it (its language, its links), then handed to
the job queue (`mail.deliver`), which sends it: a slow or refusing mail server never slows a
page or fails it, and a message is retried until the server is back, for two days. Delivery is
idempotent by Message-ID: a retried job never sends the same message twice
(docs/decisions/0017).
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from condiviso.clock import utcnow
from condiviso.jobs import enqueue, job
from condiviso.mail import ledger
from condiviso.tenancy import TenantInfo

log = logging.getLogger(__name__)

MAIL_JOB = "mail.deliver"
# After 30 s, 2 min and 10 min, then every half hour for two days: a mail server down for a
# weekend morning still gets every message once it is back.
MAIL_RETRIES = (30, 120, 600, *([1800] * 96))


def sender_identity(tenant: TenantInfo | None) -> tuple[str, str | None]:
    """(sender name, reply-to) for mail sent on behalf of `tenant` (or the platform)."""
    if tenant is None:
        return current_app.config["PLATFORM_NAME"], current_app.config.get("MAIL_REPLY_TO")
    from condiviso.plugins import tenant_hook

    name, reply_to = tenant.display_name, None
    for identity in tenant_hook("condiviso_mail_identity", tenant)(tenant=tenant):
        if identity:
            name = identity.get("sender_name") or name
            reply_to = identity.get("reply_to") or reply_to
    return name, reply_to


@dataclass(frozen=True)
class Attachment:
    """A file sent with an e-mail, e.g. an appointment as `text/calendar`."""

    filename: str
    content_type: str  # "maintype/subtype", parameters after a semicolon
    data: bytes


def build_message(
    tenant: TenantInfo | None,
    to: str,
    subject: str,
    text: str,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    name, reply_to = sender_identity(tenant)
    config = current_app.config
    message = EmailMessage()
    message["From"] = formataddr((name, config["MAIL_FROM"]))
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or None)
    if tenant is not None:
        message["X-Condiviso-Tenant"] = tenant.slug
    message.set_content(text)
    for attachment in attachments:
        kind, _, parameters = attachment.content_type.partition(";")
        maintype, subtype = kind.strip().split("/")
        params = dict(p.strip().split("=", 1) for p in parameters.split(";") if "=" in p)
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params,
        )
    return message


def render_mail(template: str, locale: str, **context) -> tuple[str, str]:
    """(subject, body) from `mail/<template>.txt`, whose first line is the subject."""
    with force_locale(locale):
        rendered = render_template(f"mail/{template}.txt", **context)
    subject, _, body = rendered.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def deliver(message: EmailMessage) -> None:
    """Send by SMTP when `SMTP_HOST` is set; otherwise write to the outbox folder and log.
    A message whose Message-ID was delivered already is not delivered again."""
    config = current_app.config
    message_id = message["Message-ID"]
    if config.get("SMTP_HOST"):
        if ledger.already_sent(message_id):
            log.info("mail %s was sent already; not sent again", message_id)
            return
        try:
            _send_smtp(message, config)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as refusal:
            if not _refused_for_good(refusal):
                raise  # 4xx, greylisting say: the job's retries will get it through
            log.error("mail to %s refused by the server: %s", message["To"], refusal)
            return
        log.info("mail sent to %s: %s", message["To"], message["Subject"])
        return
    owner = message.get("X-Condiviso-Tenant") or "platform"
    folder = Path(config["MAIL_OUTBOX"]) / owner
    folder.mkdir(parents=True, exist_ok=True)
    name = ledger.digest(message_id)
    if any(folder.glob(f"*-{name}.eml")):
        log.info("mail %s is in the outbox already", message_id)
        return
    path = folder / f"{utcnow():%Y%m%dT%H%M%S}-{name}.eml"
    path.write_bytes(bytes(message))
    log.info("mail to %s written to %s: %s", message["To"], path, message["Subject"])


def _refused_for_good(refusal: smtplib.SMTPException) -> bool:
    """A 5xx refusal (an address that does not exist): retrying cannot help."""
    if isinstance(refusal, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in refusal.recipients.values()]
    else:
        codes = [getattr(refusal, "smtp_code", 0)]
    return bool(codes) and all(code >= 500 for code in codes)


def _send_smtp(message: EmailMessage, config) -> None:
    host, port, timeout = config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_TIMEOUT"]
    if config["SMTP_SSL"]:
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config["SMTP_STARTTLS"]:
            client.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USERNAME"):
            client.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        client.send_message(message)
        # Accepted: recorded before anything else can fail, so a retry never sends it twice.
        ledger.record_sent(message["Message-ID"])
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def send_mail(
    tenant: TenantInfo,
    to: str,
    template: str,
    locale: str,
    attachments: Sequence[Attachment] = (),
    **context,
) -> str:
    """Render `mail/<template>.txt` in `locale` now and have the job queue deliver it on behalf
    of `tenant` (after the request, retried while the mail server is down); its Message-ID."""
    subject, body = render_mail(template, locale, tenant=tenant, **context)
    message = build_message(tenant, to, subject, body, attachments)
    encoded = base64.b64encode(bytes(message)).decode("ascii")
    enqueue(MAIL_JOB, tenant.slug, key=message["Message-ID"], message=encoded)
    return message["Message-ID"]


@job(MAIL_JOB, retries=MAIL_RETRIES, suspended=True)
def deliver_queued(message: str) -> None:
    """The job: deliver a message rendered by `send_mail` (base64 of its bytes)."""
    deliver(message_from_bytes(base64.b64decode(message), policy=policy.default))
