"""CSRF on every form, and security headers on every response: a Content Security Policy that
allows only the app's own assets."""

from __future__ import annotations

from flask import Flask, Response, request
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


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    app.config.setdefault("WTF_CSRF_SSL_STRICT", True)
    csrf.init_app(app)
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
