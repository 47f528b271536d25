"""What the console shows and does, on top of the registry services the CLI also calls.

Every change goes through a `condiviso.tenancy` service with the operator as its actor, so the
registry audit records who made it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from condiviso.accounts import staff
from condiviso.accounts.roles import Role
from condiviso.console.operators import operator_actor
from condiviso.districts.provisioning import provision_tenant
from condiviso.errors import Conflict, InvalidInput
from condiviso.extensions import db
from condiviso.plugins import get_plugins
from condiviso.schema_forms import form_field_names
from condiviso.tenancy import TenantInfo, tenant_context
from condiviso.tenancy.archive import export_tenant
from condiviso.tenancy.lifecycle import record_archive
from condiviso.tenancy.models import PlatformOperator, Tenant, TenantStatus
from condiviso.tenancy.registry import get_tenant, record_event
from condiviso.tenancy.validation import validate_slug
from condiviso.urls import tenant_host

EXPORTABLE = (TenantStatus.ACTIVE, TenantStatus.SUSPENDED)


def district_rows() -> list[Tenant]:
    """Every district that is not offboarded, by name."""
    return list(
        db.session.scalars(
            sa.select(Tenant)
            .where(Tenant.status != TenantStatus.OFFBOARDED)
            .order_by(Tenant.display_name)
        )
    )


def offboarded_rows() -> list[Tenant]:
    """The offboarded districts (the registry still names their archives), by slug."""
    return list(
        db.session.scalars(
            sa.select(Tenant).where(Tenant.status == TenantStatus.OFFBOARDED).order_by(Tenant.slug)
        )
    )


# -- plugins --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PluginState:
    """An installed plugin as one district has it."""

    name: str
    description: str
    configurable: bool
    enabled: bool
    settings: Mapping[str, Any]


def plugin_states(tenant: Tenant) -> list[PluginState]:
    """Every installed plugin, enabled or not for `tenant`, by name."""
    states = []
    for name, plugin in sorted(get_plugins().plugins.items()):
        row = tenant.plugin(name)
        states.append(
            PluginState(
                name=name,
                description=plugin.description,
                configurable=plugin.settings_schema is not None,
                enabled=bool(row is not None and row.enabled),
                settings=dict(row.settings) if row is not None else {},
            )
        )
    return states


def plugin_state(tenant: Tenant, name: str) -> PluginState:
    """One installed plugin for `tenant`; `NotFound` if it is not installed."""
    get_plugins().get(name)
    return next(state for state in plugin_states(tenant) if state.name == name)


def settings_to_store(
    name: str, submitted: Mapping[str, Any], stored: Mapping[str, Any]
) -> dict[str, Any]:
    """The settings a submitted form means: its fields, plus the stored values of the fields
    the form does not show (such as a logo's digest, set by the plugin itself)."""
    schema_class = get_plugins().get(name).settings_schema
    if schema_class is None:
        return dict(submitted)
    hidden = set(schema_class().fields) - set(form_field_names(schema_class()))
    return {**{key: stored[key] for key in hidden if key in stored}, **submitted}


# -- provisioning and the district's administration ----------------------------------------------


@dataclass(frozen=True)
class Invited:
    """An invitation sent: to whom, until when, and the district's address it points to."""

    email: str
    expires_at: datetime
    host: str


def invite_district_admin(slug: str, email: str, operator: PlatformOperator) -> Invited:
    """Invite a person to administer the district; the link goes to the district's primary
    host, taken from the registry."""
    label, actor = operator.full_name, operator_actor(operator)
    tenant = get_tenant(slug)
    if tenant.status is not TenantStatus.ACTIVE:
        raise Conflict(_("Si può invitare qualcuno solo in un distretto attivo."))
    with tenant_context(slug) as info:
        invitation = staff.invite(email, Role.DISTRICT_ADMIN.value, {}, inviter_label=label)
        invited = Invited(invitation.email, invitation.expires_at, tenant_host(info))
    record_event(
        actor,
        slug,
        "tenant.admin_invited",
        {"email": invited.email, "role": Role.DISTRICT_ADMIN.value},
    )
    return invited


def provision_district(
    slug: str, display_name: str, plan: str, admin_email: str, operator: PlatformOperator
) -> tuple[TenantInfo, Invited]:
    """A new district, active, with its first administrator invited by e-mail.

    A slug already taken is refused; a district left half-created (status `provisioning`) is
    completed, as the CLI does."""
    slug = validate_slug(slug)
    taken = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if taken is not None and taken.status is not TenantStatus.PROVISIONING:
        raise InvalidInput(
            {
                "slug": [
                    _(
                        "Il nome breve «%(slug)s» è già usato da un distretto (anche dismesso): "
                        "scegline un altro.",
                        slug=slug,
                    )
                ]
            }
        )
    info = provision_tenant(slug, display_name, operator_actor(operator), plan)
    return info, invite_district_admin(slug, admin_email, operator)


# -- archives -------------------------------------------------------------------------------------


def export_district(slug: str, operator: PlatformOperator) -> Path:
    """Write the district's archive under ARCHIVE_PATH and record it in the registry."""
    tenant = get_tenant(slug)
    if tenant.status not in EXPORTABLE:
        raise Conflict(_("Si può esportare solo un distretto attivo o sospeso."))
    path = export_tenant(slug)
    record_archive(slug, operator_actor(operator), str(path))
    return path


def archive_file(slug: str) -> Path | None:
    """The district's last archive as the registry names it, if it is a file directly inside
    ARCHIVE_PATH (the only place the console serves archives from); offboarded districts
    included."""
    recorded = db.session.scalar(sa.select(Tenant.archive_path).where(Tenant.slug == slug))
    if not recorded:
        return None
    root = Path(current_app.config["ARCHIVE_PATH"]).resolve()
    path = Path(recorded).resolve()
    if path.parent != root or not path.is_file():
        return None
    return path
