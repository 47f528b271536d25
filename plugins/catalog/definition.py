"""Services from a tenant definition (`[plugins.catalog] services = "services.toml"`),
validated before anything changes and applied idempotently (by slug)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import Comune, InvalidInput, db
from plugins.catalog.models import PriceKind, ProviderType, Service, ServiceStatus
from plugins.catalog.services import save_service, set_status
from plugins.cooperatives.models import Category, Cooperative

FIELD = "plugins.catalog.services"


def _file(section: Mapping[str, Any], source_dir: Path) -> Path | None:
    name = section.get("services")
    if name is None:
        return None
    base = source_dir.resolve()
    path = (base / str(name)).resolve()
    if base not in path.parents or not path.is_file():
        raise InvalidInput({FIELD: [_("Non trovo il file dei servizi %(name)s.", name=name)]})
    return path


def read_services(section: Mapping[str, Any], source_dir: Path) -> list[dict[str, Any]]:
    path = _file(section, source_dir)
    if path is None:
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(
            {FIELD: [_("Il file non è TOML valido: %(error)s", error=str(error))]}
        ) from None
    services = data.get("services", [])
    if not isinstance(services, list) or not all(isinstance(s, dict) for s in services):
        raise InvalidInput({FIELD: [_("Il file deve contenere una lista [[services]].")]})
    return services


def structural_problems(records: list[dict[str, Any]], known: Mapping[str, set[str]]) -> list[str]:
    """What is wrong with the records before touching the database: types, choices, and
    references to categories, cooperatives and comuni that exist or will exist."""
    problems, slugs = [], set()
    kinds, providers = {k.value for k in PriceKind}, {p.value for p in ProviderType}
    for index, record in enumerate(records):
        where = f"services[{index}] ({record.get('slug', '?')})"
        slug = record.get("slug")
        if not isinstance(slug, str) or not slug or slug in slugs:
            problems.append(_("%(where)s: slug mancante o ripetuto.", where=where))
        slugs.add(slug)
        if record.get("provider_type") not in providers:
            problems.append(_("%(where)s: tipo di servizio sconosciuto.", where=where))
        if record.get("price_kind") not in kinds:
            problems.append(_("%(where)s: tipo di costo sconosciuto.", where=where))
        if record.get("category") not in known["categories"]:
            problems.append(_("%(where)s: categoria sconosciuta.", where=where))
        cooperative = record.get("cooperative")
        if cooperative is not None and cooperative not in known["cooperatives"]:
            problems.append(_("%(where)s: cooperativa sconosciuta.", where=where))
        comuni = [record.get("comune"), *(record.get("comuni") or [])]
        if any(c is not None and c not in known["comuni"] for c in comuni):
            problems.append(_("%(where)s: comune sconosciuto.", where=where))
    return problems


def import_services(records: list[dict[str, Any]]) -> int:
    """Create or update every service by slug; returns how many changed."""
    categories = dict(db.session.execute(sa.select(Category.slug, Category.id)).all())
    cooperatives = dict(db.session.execute(sa.select(Cooperative.slug, Cooperative.id)).all())
    comuni = dict(db.session.execute(sa.select(Comune.istat_code, Comune.id)).all())
    changed = 0
    for record in records:
        existing = db.session.scalar(sa.select(Service).where(Service.slug == record["slug"]))
        data = {
            **record,
            "category_id": categories.get(record["category"]),
            "cooperative_id": cooperatives.get(record.get("cooperative")),
            "comune_id": comuni.get(record.get("comune")),
            "comuni": [comuni.get(c) for c in record.get("comuni", [])],
            "price": record.get("price"),
        }
        before = (existing.updated_at, existing.status) if existing else None
        try:
            service = save_service(data, None, existing, slug=record["slug"])
        except InvalidInput as error:
            raise InvalidInput(
                {f"{FIELD}.{record['slug']}.{k}": v for k, v in error.errors.items()}
            ) from None
        status = record.get("status", ServiceStatus.PUBLISHED.value)
        set_status(service, status, None)
        if before != (service.updated_at, service.status):
            changed += 1
    db.session.flush()
    return changed
