"""Requests: citizens ask for services; the desk that delivers them answers."""

from __future__ import annotations

from pathlib import Path

from flask import url_for
from flask_babel import gettext as _

from condiviso.plugin_api import NavEntry, Role, TenantInfo, hookimpl
from plugins.requests.models import Request, RequestEvent, RequestMessage
from plugins.requests.views import DESKS, blueprint


@hookimpl
def condiviso_requires():
    return ["catalog"]


@hookimpl
def condiviso_blueprint():
    return blueprint


@hookimpl
def condiviso_tenant_models():
    return [Request, RequestMessage, RequestEvent]


@hookimpl
def condiviso_migrations():
    return Path(__file__).parent / "migrations"


@hookimpl
def condiviso_navigation(tenant: TenantInfo):
    return [
        NavEntry(_("Le mie richieste"), "requests.mine", order=20, roles=frozenset({Role.CITIZEN}))
    ]


@hookimpl
def condiviso_admin_pages(tenant: TenantInfo):
    return [
        NavEntry(
            _("Richieste ricevute"),
            "requests.inbox",
            order=5,
            roles=frozenset(DESKS),
            description=_("Le richieste dei cittadini per i servizi del tuo sportello."),
        )
    ]


@hookimpl
def condiviso_record_actions(tenant: TenantInfo, record_type: str, record):
    if record_type != "catalog.service":
        return None
    return [NavEntry(_("Chiedi questo servizio"), url=url_for("requests.ask", slug=record.slug))]


@hookimpl
def condiviso_account_erased(tenant: TenantInfo, user):
    from plugins.requests.services import erase_person

    erase_person(user)
