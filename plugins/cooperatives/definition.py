"""The service network in a tenant definition: `network = "network.toml"` in the plugin's section
of tenant.toml names a file (next to it) listing categories, cooperatives and accreditations.

Everything in the file is checked before anything changes; then each record is inserted or
updated through the services (categories and cooperatives by slug, accreditations by
cooperative, comune, category and start date). Nothing is ever deleted, and applying the same
file twice has the effect of once.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from condiviso.plugin_api import (
    Comune,
    InvalidInput,
    NotFound,
    Schema,
    TenantStatus,
    db,
    find_tenant,
    flatten_errors,
    tenant_context,
)
from plugins.cooperatives import services
from plugins.cooperatives.models import Category, Cooperative
from plugins.cooperatives.schemas import AccreditationFields, CategoryInput, CooperativeFields

FIELD = "plugins.cooperatives.network"
_ISTAT = validate.Regexp(r"^\d{6}$", error=_l("Il codice ISTAT è di 6 cifre."))


class NetworkCooperative(CooperativeFields):
    comuni = fields.List(fields.String(validate=_ISTAT), load_default=list)


class NetworkAccreditation(AccreditationFields):
    cooperative = fields.String(required=True, metadata={"message": _l("Indica la cooperativa.")})
    comune = fields.String(
        required=True, validate=_ISTAT, metadata={"message": _l("Indica il codice ISTAT.")}
    )
    category = fields.String(required=True, metadata={"message": _l("Indica la categoria.")})


class NetworkFile(Schema):
    categories = fields.List(fields.Nested(CategoryInput), load_default=list)
    cooperatives = fields.List(fields.Nested(NetworkCooperative), load_default=list)
    accreditations = fields.List(fields.Nested(NetworkAccreditation), load_default=list)


@dataclass
class Known:
    """What the tenant's database already holds, for references the file does not define."""

    comuni: set[str] = field(default_factory=set)
    categories: set[str] = field(default_factory=set)
    # slug -> tax code
    cooperatives: dict[str, str] = field(default_factory=dict)


def network_file(section: Mapping[str, Any], source_dir: Path) -> Path | None:
    """The network file the section names, inside the definition's folder; None if it names
    none. `InvalidInput` if the name is wrong or the file is missing."""
    name = section.get("network")
    if name is None:
        return None
    if not isinstance(name, str) or not name:
        raise InvalidInput({FIELD: [_("Indica il nome del file della rete dei servizi.")]})
    base = source_dir.resolve()
    path = (base / name).resolve()
    if base not in path.parents:
        raise InvalidInput(
            {FIELD: [_("Il file della rete deve stare nella cartella della definizione.")]}
        )
    if not path.is_file():
        raise InvalidInput({FIELD: [_("Non trovo il file della rete %(name)s.", name=name)]})
    return path


def read_network(path: Path) -> dict[str, Any]:
    """The network file, parsed and checked field by field (`InvalidInput` otherwise)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(
            {FIELD: [_("Il file non è TOML valido: %(error)s", error=str(error))]}
        ) from None
    try:
        return NetworkFile().load(raw)
    except ma.ValidationError as error:
        raise InvalidInput(
            {f"{FIELD}.{key}": messages for key, messages in flatten_errors(error.messages).items()}
        ) from None


def _known_here() -> Known:
    return Known(
        comuni=set(db.session.scalars(sa.select(Comune.istat_code))),
        categories=set(db.session.scalars(sa.select(Category.slug))),
        cooperatives=dict(
            db.session.execute(sa.select(Cooperative.slug, Cooperative.tax_code)).all()
        ),
    )


def known_in_database(slug: str) -> Known:
    """What an existing, active tenant already holds; nothing for a tenant being created."""
    try:
        tenant = find_tenant(slug)
    except NotFound:
        return Known()
    if tenant.status is not TenantStatus.ACTIVE:
        return Known()
    with tenant_context(tenant):
        return _known_here()


def _duplicates(values: list[Any]) -> list[int]:
    seen: set[Any] = set()
    repeated = []
    for index, value in enumerate(values):
        if value in seen:
            repeated.append(index)
        seen.add(value)
    return repeated


def check_network(network: Mapping[str, Any], comuni: set[str], known: Known) -> None:
    """The checks across records: unique slugs and tax codes, references that resolve (to the
    file, the definition's comuni or the tenant's database). `InvalidInput` otherwise."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(f"{FIELD}.{key}", []).append(message)

    categories = [c["slug"] for c in network["categories"]]
    cooperatives = network["cooperatives"]
    for index in _duplicates(categories):
        add(f"categories.{index}.slug", _("Questo identificativo compare più volte."))
    for index in _duplicates([c["slug"] for c in cooperatives]):
        add(f"cooperatives.{index}.slug", _("Questo identificativo compare più volte."))
    for index in _duplicates([c["tax_code"] for c in cooperatives]):
        add(f"cooperatives.{index}.tax_code", _("Questo codice compare più volte."))
    listed = {c["slug"]: c["tax_code"] for c in cooperatives}
    for index, cooperative in enumerate(cooperatives):
        owner = next(
            (s for s, code in known.cooperatives.items() if code == cooperative["tax_code"]), None
        )
        # Even when the owner is listed too: records are upserted one by one, so codes
        # cannot change hands within one file.
        if owner is not None and owner != cooperative["slug"]:
            add(
                f"cooperatives.{index}.tax_code",
                _("La cooperativa «%(slug)s» ha già questo codice.", slug=owner),
            )
        for code in cooperative["comuni"]:
            if code not in comuni:
                add(
                    f"cooperatives.{index}.comuni",
                    _("Il comune %(code)s non è del distretto.", code=code),
                )
    cooperative_slugs = set(listed) | set(known.cooperatives)
    category_slugs = set(categories) | known.categories
    keys = []
    for index, accreditation in enumerate(network["accreditations"]):
        if accreditation["cooperative"] not in cooperative_slugs:
            add(f"accreditations.{index}.cooperative", _("Cooperativa sconosciuta."))
        if accreditation["comune"] not in comuni:
            add(
                f"accreditations.{index}.comune",
                _("Il comune %(code)s non è del distretto.", code=accreditation["comune"]),
            )
        if accreditation["category"] not in category_slugs:
            add(f"accreditations.{index}.category", _("Categoria sconosciuta."))
        keys.append(
            tuple(accreditation[k] for k in ("cooperative", "comune", "category", "valid_from"))
        )
    for index in _duplicates(keys):
        add(f"accreditations.{index}", _("Questo accreditamento compare più volte."))
    if errors:
        raise InvalidInput(errors)


def validate_definition(definition: Mapping[str, Any], source_dir: Path) -> dict[str, list[str]]:
    """The problems of the network a definition names (empty when it names none or it is fine)."""
    section = definition["plugins"].get("cooperatives", {})
    try:
        path = network_file(section, source_dir)
        if path is None:
            return {}
        network = read_network(path)
        known = known_in_database(definition["slug"])
        comuni = {c["istat_code"] for c in definition["comuni"]} | known.comuni
        check_network(network, comuni, known)
    except InvalidInput as error:
        return error.errors
    return {}


def import_network(section: Mapping[str, Any], source_dir: Path) -> None:
    """Insert or update what the network file lists, in the current tenant; the caller commits.
    `InvalidInput` (nothing changed) if something is wrong."""
    path = network_file(section, source_dir)
    if path is None:
        return
    network = read_network(path)
    known = _known_here()
    check_network(network, known.comuni, known)
    comuni = dict(db.session.execute(sa.select(Comune.istat_code, Comune.id)).all())
    try:
        _upsert_each("categories", network["categories"], _upsert_category)
        _upsert_each(
            "cooperatives", network["cooperatives"], lambda r: _upsert_cooperative(r, comuni)
        )
        _upsert_each(
            "accreditations", network["accreditations"], lambda r: _upsert_accreditation(r, comuni)
        )
    except InvalidInput:
        db.session.rollback()
        raise


def _upsert_each(
    section: str, records: list[dict[str, Any]], upsert: Callable[[dict[str, Any]], None]
) -> None:
    for index, record in enumerate(records):
        try:
            upsert(record)
        except InvalidInput as error:
            prefix = f"{FIELD}.{section}.{index}"
            raise InvalidInput({f"{prefix}.{k}": m for k, m in error.errors.items()}) from None


def _upsert_category(record: dict[str, Any]) -> None:
    category = services.category_by_slug(record["slug"])
    if category is None:
        services.create_category(record)
    else:
        services.update_category(category.id, record)


def _upsert_cooperative(record: dict[str, Any], comuni: Mapping[str, int]) -> None:
    data = {**record, "comuni": [comuni[code] for code in record["comuni"]]}
    cooperative = services.cooperative_by_slug(record["slug"])
    if cooperative is None:
        services.create_cooperative(data)
    else:
        services.update_cooperative(cooperative.id, data)


def _upsert_accreditation(record: dict[str, Any], comuni: Mapping[str, int]) -> None:
    data = {
        "cooperative_id": services.cooperative_by_slug(record["cooperative"]).id,
        "comune_id": comuni[record["comune"]],
        "category_id": services.category_by_slug(record["category"]).id,
        "valid_from": record["valid_from"],
        "valid_to": record["valid_to"],
        "notes": record["notes"],
    }
    accreditation = services.find_accreditation(
        data["cooperative_id"], data["comune_id"], data["category_id"], data["valid_from"]
    )
    if accreditation is None:
        services.create_accreditation(data)
    else:
        services.update_accreditation(accreditation.id, data)
