"""Social Points: the district's listening desks and the appointments citizens book there."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from condiviso.plugin_api import InvalidInput, NavEntry, Role, TenantInfo, hookimpl
from plugins.social_point import admin_views, desk_views, views  # noqa: F401  (their routes)
from plugins.social_point.blueprint import STAFF, blueprint
from plugins.social_point.definition import desks_file, import_desks, read_desks
from plugins.social_point.models import Booking, Closure, Duty, OpeningHours, SocialPoint


@hookimpl
def condiviso_blueprint():
    return blueprint


@hookimpl
def condiviso_tenant_models():
    return [SocialPoint, OpeningHours, Closure, Duty, Booking]


@hookimpl
def condiviso_migrations():
    return Path(__file__).parent / "migrations"


@hookimpl
def condiviso_validate_definition(definition: Mapping[str, Any], source_dir: Path):
    """The desks file the definition names must be there and be TOML, before anything changes."""
    section = definition["plugins"].get("social_point", {})
    try:
        path = desks_file(section, source_dir)
        if path is not None:
            read_desks(path)
    except InvalidInput as error:
        return error.errors
    return None


@hookimpl
def condiviso_import_definition(tenant: TenantInfo, section: Mapping[str, Any], source_dir: Path):
    """The desks, their hours and the operators on duty; no settings come of it."""
    import_desks(section, source_dir)
    return None


@hookimpl
def condiviso_periodic_jobs(tenant: TenantInfo):
    return ["social_point.send_reminders"]  # plugins/social_point/jobs.py


@hookimpl
def condiviso_navigation(tenant: TenantInfo):
    return [
        NavEntry(_("Social Point"), "social_point.points", order=30),
        NavEntry(
            _("I miei appuntamenti"),
            "social_point.my_bookings",
            order=25,
            roles=frozenset({Role.CITIZEN}),
        ),
    ]


@hookimpl
def condiviso_admin_pages(tenant: TenantInfo):
    return [
        NavEntry(
            _("La giornata allo sportello"),
            "social_point.day",
            order=3,
            roles=frozenset(STAFF),
            description=_(
                "Gli appuntamenti di oggi per Social Point, gli accessi senza appuntamento, "
                "chi non si è presentato."
            ),
        ),
        NavEntry(
            _("Social Point"),
            "social_point.admin_points",
            order=40,
            roles=frozenset({Role.DISTRICT_ADMIN}),
            description=_("Sportelli, orari, chiusure e operatori di turno."),
        ),
    ]


@hookimpl
def condiviso_account_erased(tenant: TenantInfo, user):
    from plugins.social_point.records import erase_person

    erase_person(user.id)


@hookimpl
def condiviso_help_contacts(tenant: TenantInfo, user):
    from plugins.social_point.desks import help_lines

    return help_lines(user.comune_id)


@hookimpl
def condiviso_portal_home(tenant: TenantInfo):
    """On the home page, next to the catalog: a person to talk to, for who prefers that."""
    from flask import render_template
    from markupsafe import Markup

    from plugins.social_point.desks import points

    desks = points()
    if not desks:
        return None
    return [Markup(render_template("social_point/home_section.html", points=desks[:4]))]
