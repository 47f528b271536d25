"""Building and delivering e-mail. The sender's name and reply-to come from the district."""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from condiviso.tenancy import TenantInfo

log = logging.getLogger(__name__)


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
    message["Date"] = format_datetime(datetime.now(UTC))
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
    """Send by SMTP when `SMTP_HOST` is set; otherwise write to the outbox folder and log."""
    config = current_app.config
    if config.get("SMTP_HOST"):
        _send_smtp(message, config)
        log.info("mail sent to %s: %s", message["To"], message["Subject"])
        return
    owner = message.get("X-Condiviso-Tenant") or "platform"
    folder = Path(config["MAIL_OUTBOX"]) / owner
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    log.info("mail to %s written to %s: %s", message["To"], path, message["Subject"])


def _send_smtp(message: EmailMessage, config) -> None:
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]
    timeout = 15
    if config["SMTP_SSL"]:
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if config["SMTP_STARTTLS"]:
            client.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USERNAME"):
            client.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        client.send_message(message)


def send_mail(
    tenant: TenantInfo | None,
    to: str,
    template: str,
    locale: str,
    attachments: Sequence[Attachment] = (),
    **context,
) -> None:
    """Render `mail/<template>.txt` in `locale` and deliver it on behalf of `tenant`."""
    subject, body = render_mail(template, locale, tenant=tenant, **context)
    deliver(build_message(tenant, to, subject, body, attachments))
