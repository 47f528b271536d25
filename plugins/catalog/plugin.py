"""Catalog: the district's services and the search citizens use to find them."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import (
    Comune,
    InvalidInput,
    NavEntry,
    Role,
    TenantInfo,
    current_tenant_or_none,
    db,
    hookimpl,
)
from plugins.catalog import admin_views  # noqa: F401  (registers the staff pages)
from plugins.catalog.definition import FIELD, import_services, read_services, structural_problems
from plugins.catalog.models import Coverage, SearchWord, Service, ServiceChange
from plugins.catalog.views import blueprint, home_section

NAME = "catalog"
PUBLISHERS = frozenset({Role.DISTRICT_ADMIN, Role.COOPERATIVE_STAFF, Role.COMUNE_STAFF})


@hookimpl
def condiviso_requires():
    return ["cooperatives"]


@hookimpl
def condiviso_blueprint():
    return blueprint


@hookimpl
def condiviso_tenant_models():
    return [Service, ServiceChange, SearchWord, Coverage]


@hookimpl
def condiviso_migrations():
    return Path(__file__).parent / "migrations"


@hookimpl
def condiviso_navigation(tenant: TenantInfo):
    return [NavEntry(_("Servizi"), "catalog.search", order=10)]


@hookimpl
def condiviso_admin_pages(tenant: TenantInfo):
    return [
        NavEntry(
            _("Servizi del catalogo"),
            "catalog.admin_list",
            order=30,
            roles=PUBLISHERS,
            description=_(
                "Pubblica e aggiorna i servizi; ogni modifica resta nella storia del servizio."
            ),
        )
    ]


@hookimpl
def condiviso_portal_home(tenant: TenantInfo):
    return [home_section()]


def _known(definition: Mapping[str, Any], source_dir: Path) -> dict[str, set[str]]:
    """Slugs and codes that exist now or that the same definition creates."""
    from plugins.cooperatives.models import Category, Cooperative

    known = {
        "categories": set(),
        "cooperatives": set(),
        "comuni": {c["istat_code"] for c in definition.get("comuni", [])},
    }
    network = definition.get("plugins", {}).get("cooperatives", {}).get("network")
    if network:
        try:
            data = tomllib.loads((source_dir / network).read_text(encoding="utf-8"))
            known["categories"] |= {c.get("slug") for c in data.get("categories", [])}
            known["cooperatives"] |= {c.get("slug") for c in data.get("cooperatives", [])}
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            pass  # the cooperatives plugin reports its own file's problems
    if current_tenant_or_none() is not None:
        known["categories"] |= set(db.session.scalars(sa.select(Category.slug)))
        known["cooperatives"] |= set(db.session.scalars(sa.select(Cooperative.slug)))
        known["comuni"] |= set(db.session.scalars(sa.select(Comune.istat_code)))
    return known


@hookimpl
def condiviso_validate_definition(definition: Mapping[str, Any], source_dir: Path):
    section = definition["plugins"].get(NAME, {})
    try:
        records = read_services(section, source_dir)
    except InvalidInput as error:
        return error.errors
    problems = structural_problems(records, _known(definition, source_dir))
    return {FIELD: problems} if problems else None


@hookimpl
def condiviso_import_definition(tenant: TenantInfo, section: Mapping[str, Any], source_dir: Path):
    import_services(read_services(section, source_dir))
    return None


@hookimpl
def condiviso_records_changed(tenant: TenantInfo, record_type: str, ids: list[int]):
    """Accreditations decide which services are covered; cooperatives' and categories' names
    are words services are found by."""
    from plugins.catalog import coverage, search

    if record_type == "cooperatives.accreditation":
        coverage.refresh(accreditation_ids=ids)
        return
    column = {
        "cooperatives.cooperative": Service.cooperative_id,
        "cooperatives.category": Service.category_id,
    }.get(record_type)
    if column is not None:
        for service in db.session.scalars(sa.select(Service).where(column.in_(ids))):
            search.index_service(service)


@hookimpl
def condiviso_plugin_enabled(tenant: TenantInfo):
    """Back on: the network may have changed meanwhile."""
    from plugins.catalog import coverage, search

    coverage.refresh()
    search.rebuild_index()
