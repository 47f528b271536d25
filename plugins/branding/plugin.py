"""Branding: the district's name, logo, colour, footer links and contacts on its portal."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from condiviso.plugin_api import NavEntry, Role, TenantInfo, hookimpl
from plugins.branding import admin_views  # noqa: F401  (registers its routes)
from plugins.branding.definition import import_logo, logo_definition_problems
from plugins.branding.models import BrandingAsset
from plugins.branding.schemas import DEFAULT_PRIMARY_COLOR, BrandingSettings
from plugins.branding.views import blueprint

NAME = "branding"


@hookimpl
def condiviso_blueprint():
    return blueprint


@hookimpl
def condiviso_tenant_models():
    return [BrandingAsset]


@hookimpl
def condiviso_migrations():
    return Path(__file__).parent / "migrations"


@hookimpl
def condiviso_settings_schema():
    return BrandingSettings


@hookimpl
def condiviso_navigation(tenant: TenantInfo):
    settings = tenant.plugins.get(NAME, {})
    links = [
        NavEntry(link["label"], url=link["url"], order=50 + index)
        for index, link in enumerate(settings.get("header_links", []))
    ]
    return [*links, NavEntry(_("Contatti"), "branding.contacts", order=90)]


@hookimpl
def condiviso_admin_pages(tenant: TenantInfo):
    return [
        NavEntry(
            _("Aspetto del portale"),
            "branding.settings",
            order=20,
            roles=frozenset({Role.DISTRICT_ADMIN}),
            description=_("Nome, logo, colore, collegamenti, contatti e mittente delle e-mail."),
        )
    ]


@hookimpl
def condiviso_mail_identity(tenant: TenantInfo):
    settings = tenant.plugins.get(NAME, {})
    return {
        "sender_name": settings.get("sender_name") or settings.get("display_name"),
        "reply_to": settings.get("reply_to") or settings.get("contacts", {}).get("email"),
    }


@hookimpl
def condiviso_template_context(tenant: TenantInfo):
    settings = tenant.plugins.get(NAME, {})
    logo = settings.get("logo")
    colour = settings.get("primary_color", DEFAULT_PRIMARY_COLOR)
    return {
        "brand_name": settings.get("display_name") or tenant.display_name,
        "brand_logo_url": url_for("branding.logo", digest=logo) if logo else None,
        "stylesheets": [url_for("branding.theme", v=colour.lstrip("#"))],
        "footer_links": list(settings.get("footer_links", [])),
        "contacts": dict(settings.get("contacts", {})),
        "branding_settings": settings,
    }


@hookimpl
def condiviso_validate_definition(definition: Mapping[str, Any], source_dir: Path):
    return logo_definition_problems(definition["plugins"].get(NAME, {}), source_dir)


@hookimpl
def condiviso_import_definition(tenant: TenantInfo, section: Mapping[str, Any], source_dir: Path):
    return import_logo(section, source_dir)
