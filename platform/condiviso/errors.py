"""Errors people can read: domain errors carry an HTTP status and a message (already translated),
validation errors carry messages per field; one handler renders them as a page or as JSON."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class CondivisoError(Exception):
    """A failure the user caused or must know about, with the status it maps to."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def title(self) -> str:
        return _("Richiesta non valida")


class InvalidInput(CondivisoError):
    """Input that failed validation; `errors` maps each field to its messages."""

    def __init__(self, errors: Mapping[str, Sequence[str]], message: str | None = None) -> None:
        self.errors = {field: list(messages) for field, messages in errors.items()}
        details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items())
        super().__init__(message or _("Dati non validi. %(details)s", details=details))


class NotFound(CondivisoError):
    status = 404

    def title(self) -> str:
        return _("Non trovato")


class Conflict(CondivisoError):
    status = 409

    def title(self) -> str:
        return _("Operazione non possibile")


_STATUS_TITLES = {
    400: lambda: _("Richiesta non valida"),
    403: lambda: _("Accesso negato"),
    404: lambda: _("Pagina non trovata"),
    405: lambda: _("Metodo non consentito"),
    413: lambda: _("Contenuto troppo grande"),
    429: lambda: _("Troppe richieste"),
    500: lambda: _("Errore interno"),
    503: lambda: _("Servizio non disponibile"),
}

_STATUS_MESSAGES = {
    400: lambda: _("La richiesta non è valida per questo indirizzo."),
    403: lambda: _("Non hai i permessi per vedere questa pagina."),
    404: lambda: _("La pagina che cerchi non esiste o è stata spostata."),
    405: lambda: _("Questa pagina non accetta questo tipo di richiesta."),
    413: lambda: _("Il contenuto inviato supera la dimensione massima consentita."),
    429: lambda: _("Hai fatto troppe richieste in poco tempo. Riprova tra qualche minuto."),
    500: lambda: _("Si è verificato un errore imprevisto. Riprova più tardi."),
    503: lambda: _("Il servizio non è disponibile in questo momento."),
}


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(status: int, title: str, message: str, errors: Mapping | None = None):
    """The error as a page in the site's shell (or JSON). If that page cannot be drawn (its
    shell needs the district's database, which may be the very thing failing), the answer is
    the page that needs nothing (`condiviso.outages.standalone_page`): never a bare 500."""
    if wants_json():
        body: dict = {"error": {"status": status, "title": title, "message": message}}
        if errors:
            body["error"]["fields"] = errors
        return jsonify(body), status
    try:
        return render_template(
            "errors/error.html", status=status, title=title, message=message, errors=errors
        ), status
    except Exception as failure:
        from condiviso import outages
        from condiviso.tenancy.engines import is_database_outage

        if is_database_outage(failure):
            return outages.database_outage_page(failure)
        log.exception("the error page could not be drawn; answering with the plain one")
        body, code, _headers = outages.standalone_page(status, title, [message])
        return body, code


def init_app(app: Flask) -> None:
    from condiviso import outages
    from condiviso.tenancy.engines import is_database_outage
    from condiviso.tenancy.snapshot import RegistryUnavailable

    outages.init_app(app)

    @app.errorhandler(RegistryUnavailable)
    def _registry_unavailable(_error: RegistryUnavailable):
        return outages.outage_page(None)

    @app.errorhandler(outages.Outage)
    def _outage(error: outages.Outage):
        return outages.database_outage_page(error)

    @app.errorhandler(CondivisoError)
    def _domain_error(error: CondivisoError):
        return render_error(
            error.status, error.title(), error.message, getattr(error, "errors", None)
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        title = _STATUS_TITLES.get(status, lambda: error.name)()
        message = _STATUS_MESSAGES.get(status, lambda: error.description or "")()
        response = render_error(status, title, message)
        if status == 405 and getattr(error, "valid_methods", None):
            body, code = response
            return body, code, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if is_database_outage(error):
            return outages.database_outage_page(error)
        log.exception("unhandled error")
        return render_error(500, _STATUS_TITLES[500](), _STATUS_MESSAGES[500]())
