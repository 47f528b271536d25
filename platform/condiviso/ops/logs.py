"""Log lines that say which tenant and which request they belong to."""

from __future__ import annotations

import logging
import re
import sys
import uuid
from contextvars import ContextVar

from flask import Flask, Response, g, request

from condiviso.database.binding import bound_binding
from condiviso.redaction import redact_credentials

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
_request_id: ContextVar[str] = ContextVar("condiviso_request_id", default="-")

LOG_FORMAT = (
    "%(asctime)s %(levelname)s [tenant=%(tenant)s request=%(request_id)s] %(name)s: %(message)s"
)


class TenantContextFilter(logging.Filter):
    """Adds `tenant` and `request_id` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        binding = bound_binding()
        record.tenant = binding.tenant.slug if binding is not None else "-"
        record.request_id = _request_id.get()
        return True


class RedactingFormatter(logging.Formatter):
    """The standard formatter, with the password of any URL masked (tracebacks included)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_credentials(super().format(record))


def configure_logging(level: str) -> None:
    """One handler on the root logger, with the tenant and request id on every line and no
    password of any URL."""
    root = logging.getLogger()
    if any(isinstance(f, TenantContextFilter) for h in root.handlers for f in h.filters):
        root.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(LOG_FORMAT))
    handler.addFilter(TenantContextFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic narrates every migration context at INFO; one line per tenant is noise at scale.
    logging.getLogger("alembic").setLevel(level if level == "DEBUG" else "WARNING")


def current_request_id() -> str:
    return _request_id.get()


def _start_request() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.request_id_token = _request_id.set(request_id)


def _tag_response(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = _request_id.get()
    return response


def _end_request(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        _request_id.reset(token)


def init_app(app: Flask) -> None:
    configure_logging(app.config["LOG_LEVEL"])
    app.before_request(_start_request)
    app.after_request(_tag_response)
    app.teardown_request(_end_request)
