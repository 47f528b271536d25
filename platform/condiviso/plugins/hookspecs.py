"""Every hook a plugin can implement, in one place.

A plugin is a module registered under the entry-point group `condiviso.plugins`; the entry
point's name is the plugin's name. Hooks marked *start-up* are called once per plugin when the
app is built, and what they return is checked then. Hooks marked *per tenant* are called only for
the plugins the current tenant has enabled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Blueprint
    from marshmallow import Schema

    from condiviso.plugins.navigation import NavEntry
    from condiviso.tenancy import TenantInfo

PROJECT = "condiviso"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def condiviso_requires() -> Iterable[str]:
    """Start-up. The names of the plugins this one builds on (their tables, their services).

    They must be installed; a tenant can enable this plugin only with them enabled, and cannot
    disable them while this one is enabled. Their migration histories run first.
    """


@hookspec
def condiviso_blueprint() -> Blueprint | None:
    """Start-up. The plugin's routes, templates and static files.

    Return a Blueprint whose name is the plugin's name, or None. Its routes exist only on
    tenant hosts, and answer 404 on a tenant that has not enabled the plugin.
    """


@hookspec
def condiviso_tenant_models() -> Iterable[type]:
    """Start-up. The model classes the plugin stores in each tenant database.

    Every table name must start with `<plugin name>_`, and the plugin must then provide a
    migration history (`condiviso_migrations`) that creates them.
    """


@hookspec
def condiviso_migrations() -> str | Path | None:
    """Start-up. The folder of the plugin's Alembic history (holding `versions/`), or None.

    The history's first revision must carry the branch label `<plugin name>` and the history
    must have a single head. Its version table is `<plugin name>_alembic_version`.
    """


@hookspec
def condiviso_commands() -> Iterable[click.Command]:
    """Start-up. Command groups the plugin adds to the `condiviso` command line (e.g.
    `condiviso wallet check`): click commands, each named after the plugin or its subject.
    A command works on one district with `tenant_context(slug)`."""


@hookspec
def condiviso_settings_schema() -> type[Schema] | None:
    """Start-up. The marshmallow schema of the plugin's per-tenant settings, or None.

    Settings given when a tenant enables or configures the plugin are loaded through it; errors
    are reported per field and nothing is stored. What the schema dumps is what is stored.
    """


@hookspec
def condiviso_navigation(tenant: TenantInfo) -> Iterable[NavEntry] | None:
    """Per tenant, on every portal page. The entries the plugin adds to the portal's menu."""


@hookspec
def condiviso_portal_home(tenant: TenantInfo) -> Iterable[Any] | None:
    """Per tenant, on the portal's home page. HTML fragments to show above the district's
    comuni, such as a search box: `markupsafe.Markup` of a rendered template (a plain string
    is shown as text)."""


@hookspec
def condiviso_record_actions(
    tenant: TenantInfo, record_type: str, record: Any
) -> Iterable[NavEntry] | None:
    """Per tenant, on a page showing one record (e.g. `record_type="catalog.service"`). Links
    other plugins offer for it (e.g. "ask for this service"), as NavEntry with a `url`."""


@hookspec
def condiviso_admin_pages(tenant: TenantInfo) -> Iterable[NavEntry] | None:
    """Per tenant, on the staff's administration home. The plugin's administration pages,
    each with the roles that may open it (the views themselves still check access)."""


@hookspec
def condiviso_template_context(tenant: TenantInfo) -> Mapping[str, Any] | None:
    """Per tenant, on every rendered page. Variables for every template.

    Keys are the plugin's own, named `<plugin name>_...`, or slots of the portal's shell:
    `brand_name` (str), `brand_logo_url` (str), `stylesheets` (list of URLs, added up across
    plugins), `footer_links` (list of {"label", "url"}), `contacts` (mapping of contact details).
    """


@hookspec
def condiviso_mail_identity(tenant: TenantInfo) -> Mapping[str, str] | None:
    """Per tenant, for every e-mail sent on the district's behalf.

    Return `sender_name` and/or `reply_to` (an address) to use, or None for the defaults (the
    district's name, no reply-to).
    """


@hookspec
def condiviso_validate_definition(
    definition: Mapping[str, Any], source_dir: Path
) -> Mapping[str, list[str]] | None:
    """Per tenant, before `condiviso tenant apply` changes anything.

    Called for the plugins the definition enables, with the whole definition and the folder it
    came from. Return messages per field (`plugins.<name>.<key>`) for what the plugin cannot
    apply (a missing asset, say); any message stops the whole apply with nothing changed.
    """


@hookspec
def condiviso_import_definition(
    tenant: TenantInfo, section: Mapping[str, Any], source_dir: Path
) -> Mapping[str, Any] | None:
    """Per tenant, while `condiviso tenant apply` applies a definition that enables the plugin.

    Called inside the tenant's context with the plugin's section of `tenant.toml` and the folder
    it came from, so the plugin can import assets (a logo, say) into the tenant's storage.
    Return settings the import produced (they are merged over the section's `settings`, then
    validated and stored), or None. Must be idempotent: importing the same definition twice has
    the effect of once.
    """


@hookspec
def condiviso_tenant_prepared(
    tenant: TenantInfo, definition: Mapping[str, Any] | None
) -> Iterable[str] | None:
    """Per tenant, when a district is provisioned or its definition applied, after its database
    is at the current schema and before it is activated.

    Called inside the tenant's context with the validated definition (`tenant.toml`), or None
    when the district is created without one (the console, `condiviso tenant create`). The core
    parts prepare what every district starts with through this hook (legal pages, the comuni,
    sample accounts), as a plugin would. Return one line per change made, or None. Must be
    idempotent. The caller commits.
    """


@hookspec
def condiviso_records_changed(tenant: TenantInfo, record_type: str, ids: list[int]) -> None:
    """Per tenant, after a plugin has written records other plugins derive data from (e.g.
    `record_type="cooperatives.accreditation"`), before the change is committed.

    Called inside the tenant's context with the ids of the records created or changed, so what
    a plugin derives from them is written in the same transaction. Must not commit.
    """


@hookspec
def condiviso_plugin_enabled(tenant: TenantInfo) -> None:
    """Per tenant, when the plugin is enabled on the tenant, the first time or again.

    Called inside the tenant's context (not on a suspended tenant), only for the plugin just
    enabled: it brings what it derives from other plugins' data up to date, since it was not
    told of changes while it was off. The caller commits.
    """


@hookspec
def condiviso_periodic_jobs(tenant: TenantInfo) -> Iterable[str] | None:
    """Per tenant, on every tick of the job clock: names of jobs to run for this tenant.

    Called for active tenants only, outside the tenant's context: decide from the tenant's
    settings, and let the job read the data. Each name must be a job registered with
    `condiviso.jobs.job`; it is queued with the key `periodic`, so a tick adds nothing while the
    previous tick's job still waits. The job must be idempotent (see docs/decisions/0010).
    """


@hookspec
def condiviso_account_erased(tenant: TenantInfo, user: Any) -> None:
    """Per tenant, when a person deletes their account, before their own record is made
    anonymous (so `user` still has its name, e-mail and phone) and before the commit.

    Called inside the tenant's context: erase the person's data the plugin holds (free text,
    contacts, special-category records) and keep only what the district must keep, such as a
    service delivered or money spent, linked to the account that is now anonymous (DESIGN.md
    §7). Must not commit.
    """


@hookspec
def condiviso_help_contacts(tenant: TenantInfo, user: Any) -> Iterable[str] | None:
    """Per tenant, for what tells a person where to get help (the welcome sheet printed at a
    desk): lines of text, each a place and how to reach it, the ones nearest `user` first.

    Called inside the tenant's context; the lines are shown as text, one per line.
    """


@hookspec
def condiviso_staff_cooperatives(tenant: TenantInfo) -> Iterable[tuple[int, str]] | None:
    """Per tenant, for inviting cooperative staff: the cooperatives (id, name) of the district a
    person may be invited to work for, and the names shown beside their roles.

    Called inside the tenant's context. An invitation names one of these ids or is refused.
    """
