"""Declarative tenant definitions: `tenants/<slug>/tenant.toml`, applied idempotently.

The definition is the truth for what it lists: the registry entry, custom domains and plugins
(a plugin not listed is disabled). Tenant data it lists (the comuni) is inserted or updated,
never deleted. Everything is validated before anything changes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from condiviso.districts.provisioning import prepare_tenant
from condiviso.errors import Conflict, InvalidInput
from condiviso.extensions import db
from condiviso.plugins import enablement, get_plugins
from condiviso.tenancy import domains, lifecycle, registry, tenant_context
from condiviso.tenancy.models import Tenant, TenantStatus
from condiviso.tenancy.validation import (
    validate_custom_domain,
    validate_display_name,
    validate_plan,
    validate_slug,
)
from condiviso.validation import Schema, load_or_raise

DEFINITION_FILE = "tenant.toml"


class ComuneDefinition(Schema):
    istat_code = fields.String(
        required=True,
        data_key="istat",
        validate=validate.Regexp(r"^\d{6}$", error=_l("Il codice ISTAT è di 6 cifre.")),
    )
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120, error=_l("Da 1 a 120 caratteri.")),
    )
    cadastral_code = fields.String(
        load_default=None,
        data_key="cadastral",
        validate=validate.Regexp(
            r"^[A-Z]\d{3}$", error=_l("Il codice catastale è una lettera e 3 cifre.")
        ),
    )
    postal_code = fields.String(
        load_default=None,
        data_key="cap",
        validate=validate.Regexp(r"^\d{5}$", error=_l("Il CAP è di 5 cifre.")),
    )
    population = fields.Integer(
        load_default=None, validate=validate.Range(min=0, error=_l("Non può essere negativo."))
    )
    is_lead = fields.Boolean(load_default=False, data_key="lead")


class DomainDefinition(Schema):
    hostname = fields.String(required=True)
    verified = fields.Boolean(load_default=False)
    primary = fields.Boolean(load_default=False)


class PluginDefinition(Schema):
    """`enabled` and `settings` belong to the core; other keys go to the plugin's hooks."""

    class Meta:
        unknown = ma.INCLUDE

    enabled = fields.Boolean(load_default=True)
    settings = fields.Dict(keys=fields.String(), load_default=dict)


class TenantDefinition(Schema):
    slug = fields.String(required=True)
    display_name = fields.String(required=True)
    plan = fields.String(load_default="base")
    sample = fields.Boolean(load_default=False)
    domains = fields.List(fields.Nested(DomainDefinition), load_default=list)
    comuni = fields.List(fields.Nested(ComuneDefinition), load_default=list)
    plugins = fields.Dict(
        keys=fields.String(), values=fields.Nested(PluginDefinition), load_default=dict
    )

    @ma.validates_schema
    def _consistent(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        codes = [c["istat_code"] for c in data.get("comuni", [])]
        if len(codes) != len(set(codes)):
            raise ma.ValidationError(_("Un codice ISTAT compare più volte."), "comuni")
        if sum(1 for c in data.get("comuni", []) if c["is_lead"]) > 1:
            raise ma.ValidationError(_("Un solo comune può essere capofila."), "comuni")
        if sum(1 for d in data.get("domains", []) if d["primary"]) > 1:
            raise ma.ValidationError(_("Un solo dominio può essere principale."), "domains")


@dataclass
class ApplyReport:
    slug: str
    created: bool = False
    skipped: bool = False
    changes: list[str] = field(default_factory=list)


def read_definition(path: str | Path) -> tuple[dict[str, Any], Path]:
    """Parse and validate a definition (a folder holding tenant.toml, or the file itself)."""
    path = Path(path)
    file = path / DEFINITION_FILE if path.is_dir() else path
    if not file.is_file():
        raise InvalidInput({"path": [_("Non trovo %(file)s.", file=str(file))]})
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(
            {DEFINITION_FILE: [_("Il file non è TOML valido: %(error)s", error=str(error))]}
        ) from None
    definition = load_or_raise(TenantDefinition(), raw)
    return definition, file.parent


def _validate(definition: Mapping[str, Any], source_dir: Path) -> dict[str, dict[str, Any]]:
    """Every check that can fail, before any change; returns each plugin's clean settings."""
    validate_slug(definition["slug"])
    validate_display_name(definition["display_name"])
    validate_plan(definition["plan"])
    errors: dict[str, list[str]] = {}
    for index, domain in enumerate(definition["domains"]):
        try:
            validate_custom_domain(domain["hostname"])
        except InvalidInput as error:
            errors[f"domains.{index}.hostname"] = error.errors["hostname"]
    installed = get_plugins()
    clean: dict[str, dict[str, Any]] = {}
    for name, section in definition["plugins"].items():
        if name not in installed.plugins:
            errors[f"plugins.{name}"] = [_("Il plugin «%(name)s» non è installato.", name=name)]
            continue
        if not section["enabled"]:
            continue
        try:
            clean[name] = installed.validate_settings(name, section["settings"])
        except InvalidInput as error:
            for key, messages in error.errors.items():
                errors[f"plugins.{name}.settings.{key}"] = messages
    for name, required in installed.missing_requirements(clean).items():
        errors[f"plugins.{name}"] = [
            _("Questo plugin ha bisogno di: %(required)s.", required=", ".join(required))
        ]
    results = installed.hook("condiviso_validate_definition", clean.keys())(
        definition=definition, source_dir=source_dir
    )
    for result in results:
        for key, messages in (result or {}).items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise InvalidInput(errors)
    return clean


def apply_definition(path: str | Path, actor: str, create_only: bool = False) -> ApplyReport:
    """Create or update the tenant a definition describes, so that it matches the definition.

    With `create_only`, a tenant that already exists (and is not half-provisioned) is left as
    it is, so changes made since in the app are kept."""
    definition, source_dir = read_definition(path)
    clean_settings = _validate(definition, source_dir)
    slug = definition["slug"]
    existing = db.session.scalar(db.select(Tenant).where(Tenant.slug == slug))
    if create_only and existing is not None and existing.status is not TenantStatus.PROVISIONING:
        return ApplyReport(slug, skipped=True)
    if existing is not None and existing.status is TenantStatus.SUSPENDED:
        raise Conflict(
            _(
                "Il distretto «%(slug)s» è sospeso: riattivalo prima di applicare la definizione.",
                slug=slug,
            )
        )
    report = ApplyReport(slug, created=existing is None)

    registry.register_tenant(
        slug, definition["display_name"], definition["plan"], actor, sample=definition["sample"]
    )
    for step in registry.ensure_tenant_database(slug):
        report.changes.append(f"database: {step}")
    if registry.update_tenant(
        slug, actor, definition["display_name"], definition["plan"], definition["sample"]
    ):
        report.changes.append("registry: updated")
    report.changes += _sync_domains(slug, definition["domains"], actor)

    # Before the plugins' import: their sample data may name sample people (operators on duty).
    report.changes += prepare_tenant(slug, definition)
    installed = get_plugins()
    with tenant_context(slug) as tenant:
        for name in [n for n in installed.order if n in clean_settings]:
            # One plugin at a time (required ones first), so that what it returns is known to
            # be its own.
            for imported in installed.hook("condiviso_import_definition", [name])(
                tenant=tenant, section=definition["plugins"][name], source_dir=source_dir
            ):
                if imported:
                    merged = {**definition["plugins"][name]["settings"], **imported}
                    clean_settings[name] = installed.validate_settings(name, merged)
            db.session.commit()
    report.changes += _sync_plugins(slug, clean_settings, actor)
    lifecycle.activate_tenant(slug, actor)
    return report


def _sync_domains(slug: str, wanted: list[dict[str, Any]], actor: str) -> list[str]:
    changes = []
    listed = set()
    for domain in wanted:
        host = validate_custom_domain(domain["hostname"])
        listed.add(host)
        if domains.add_domain(
            slug, host, actor, verified=domain["verified"], primary=domain["primary"]
        ):
            changes.append(f"domain {host}: set")
    for current in [d.hostname for d in registry.get_tenant(slug).domains]:
        if current not in listed and domains.remove_domain(slug, current, actor):
            changes.append(f"domain {current}: removed")
    return changes


def _sync_plugins(slug: str, clean: Mapping[str, Any], actor: str) -> list[str]:
    """Enable (required plugins first), then disable (dependants first)."""
    changes = []
    order = get_plugins().order
    for name in order:
        if name in clean and enablement.set_plugin(slug, name, actor, True, clean[name]):
            changes.append(f"plugin {name}: enabled")
    for name in reversed(order):
        if name not in clean and enablement.set_plugin(slug, name, actor, enabled=False):
            changes.append(f"plugin {name}: disabled")
    return changes
