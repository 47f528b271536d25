"""Cooperatives: the district's service network (cooperatives, service categories and the
accreditations the comuni grant), its administration pages and its tenant definition import."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from condiviso.plugin_api import NavEntry, Role, TenantInfo, hookimpl
from plugins.cooperatives.definition import import_network, validate_definition
from plugins.cooperatives.models import Accreditation, Category, Cooperative, CooperativeArea
from plugins.cooperatives.views import blueprint

NAME = "cooperatives"


@hookimpl
def condiviso_blueprint():
    """The administration pages."""
    return blueprint


@hookimpl
def condiviso_tenant_models():
    """Categories, cooperatives, the comuni they serve, accreditations."""
    return [Category, Cooperative, CooperativeArea, Accreditation]


@hookimpl
def condiviso_migrations():
    """The plugin's own Alembic history."""
    return Path(__file__).parent / "migrations"


@hookimpl
def condiviso_admin_pages(tenant: TenantInfo):
    """The three pages, for the district admin."""
    admin = frozenset({Role.DISTRICT_ADMIN})
    return [
        NavEntry(
            _("Cooperative"),
            "cooperatives.cooperative_list",
            order=30,
            roles=admin,
            description=_("Le cooperative della rete dei servizi e i comuni in cui operano."),
        ),
        NavEntry(
            _("Categorie di servizio"),
            "cooperatives.category_list",
            order=31,
            roles=admin,
            description=_("Le categorie in cui sono ordinati i servizi del distretto."),
        ),
        NavEntry(
            _("Accreditamenti"),
            "cooperatives.accreditation_list",
            order=32,
            roles=admin,
            description=_(
                "Quali cooperative sono accreditate, in quale comune, per quale categoria e "
                "fino a quando."
            ),
        ),
    ]


@hookimpl
def condiviso_validate_definition(definition: Mapping[str, Any], source_dir: Path):
    """Problems of the network file the definition names, before anything changes."""
    return validate_definition(definition, source_dir) or None


@hookimpl
def condiviso_import_definition(tenant: TenantInfo, section: Mapping[str, Any], source_dir: Path):
    """Import the network file into the tenant; no settings come of it."""
    import_network(section, source_dir)
    return None


@hookimpl
def condiviso_staff_cooperatives(tenant: TenantInfo):
    """The district's active cooperatives, by name."""
    from plugins.cooperatives.services import cooperatives

    return [(cooperative.id, cooperative.display_name) for cooperative in cooperatives()]
