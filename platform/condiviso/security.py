"""CSRF on every form, and security headers on every response: a Content Security Policy that
allows only the app's own assets."""

from __future__ import annotations

from flask import Flask, Response, abort, request
from flask_wtf.csrf import CSRFError, CSRFProtect

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _refuse_nul_bytes() -> None:
    """A NUL byte has no use in an address, and PostgreSQL refuses it in any string: refused
    here, once, with a 400, rather than as a database error wherever a value reaches SQL."""
    query = request.query_string
    if "\x00" in request.path or b"\x00" in query or b"%00" in query.lower():
        abort(400)


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    app.config.setdefault("WTF_CSRF_SSL_STRICT", True)
    csrf.init_app(app)
    app.before_request(_refuse_nul_bytes)
    app.after_request(_headers)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        from flask_babel import gettext as _

        from condiviso.errors import render_error

        return render_error(
            400,
            _("Modulo scaduto"),
            _(
                "Il modulo è scaduto o non è stato inviato da questa pagina. Ricarica la pagina "
                "e riprova: nulla è stato salvato."
            ),
        )
