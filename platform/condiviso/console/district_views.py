"""A district in the console: provisioning a new one, its page (details, domains, plugins,
lifecycle, audit trail), and the changes made from that page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from condiviso.accounts.roles import Audience, allow
from condiviso.console import services
from condiviso.console.blueprint import blueprint, current_actor, current_operator
from condiviso.console.forms import DistrictForm, DomainForm, InviteAdminForm, ProvisionForm
from condiviso.forms import ConfirmForm, invalid, run_form
from condiviso.ratelimit import limited
from condiviso.tenancy import domains, registry
from condiviso.tenancy.models import Tenant, TenantStatus
from condiviso.urls import tenant_url

CHANGE_LIMITS = ("30/minute", "600/hour")


def district_page(
    tenant: Tenant,
    details: DistrictForm | None = None,
    domain: DomainForm | None = None,
    invite: InviteAdminForm | None = None,
    status: int = 200,
):
    """The district's page; a form sent back with errors replaces its blank twin."""
    if details is None:
        details = DistrictForm(data={"display_name": tenant.display_name, "plan": tenant.plan})
    archive = services.archive_file(tenant.slug)
    return render_template(
        "console/district.html",
        tenant=tenant,
        portal_url=tenant_url(registry.tenant_info(tenant.slug)),
        details=details,
        domain=domain or DomainForm(formdata=None),
        invite=invite or InviteAdminForm(formdata=None),
        plugins=services.plugin_states(tenant),
        archive=archive,
        audit=registry.audit_trail(tenant.slug),
        statuses=TenantStatus,
    ), status


@blueprint.route("/distretti/nuovo", methods=["GET", "POST"])
@allow(Audience.PLATFORM_OPERATOR)
@limited("10/minute", "100/hour", scope="console-provision")
def provision():
    """A new district: registry, database, activation, and its first administrator invited."""
    form = ProvisionForm()
    outcome = run_form(
        form,
        lambda: services.provision_district(
            form.slug.data.strip(),
            form.display_name.data,
            form.plan.data,
            form.admin_email.data,
            current_operator(),
        ),
    )
    if outcome.done:
        info, invited = outcome.result
        return render_template(
            "console/provisioned.html", tenant=info, portal_url=tenant_url(info), invited=invited
        )
    return render_template("console/provision.html", form=form), invalid(form)


@blueprint.get("/distretti/<slug>")
@allow(Audience.PLATFORM_OPERATOR)
def district(slug: str):
    """Everything about one district, and the forms that change it."""
    return district_page(registry.get_tenant(slug))


@blueprint.post("/distretti/<slug>")
@allow(Audience.PLATFORM_OPERATOR)
@limited(*CHANGE_LIMITS, scope="console-change")
def update_district(slug: str):
    """Rename the district or change its plan."""
    tenant = registry.get_tenant(slug)
    form = DistrictForm()
    outcome = run_form(
        form,
        lambda: registry.update_tenant(
            slug, current_actor(), display_name=form.display_name.data, plan=form.plan.data
        ),
    )
    if outcome.done:
        flash(
            _("Dati del distretto salvati.") if outcome.result else _("Nessuna modifica."), "info"
        )
        return redirect(url_for("console.district", slug=slug))
    return district_page(tenant, details=form, status=400)


@blueprint.post("/distretti/<slug>/domini")
@allow(Audience.PLATFORM_OPERATOR)
@limited(*CHANGE_LIMITS, scope="console-change")
def add_domain(slug: str):
    """Attach a custom domain (it routes once verified)."""
    tenant = registry.get_tenant(slug)
    form = DomainForm()
    outcome = run_form(
        form,
        lambda: domains.add_domain(
            slug,
            form.hostname.data,
            current_actor(),
            verified=form.verified.data,
            primary=form.primary.data,
        ),
        error_field="hostname",
    )
    if outcome.done:
        flash(
            _("Dominio %(host)s assegnato.", host=form.hostname.data.strip().lower())
            if outcome.result
            else _("Nessuna modifica."),
            "info",
        )
        return redirect(url_for("console.district", slug=slug))
    return district_page(tenant, domain=form, status=400)


def _domain_change(slug: str, change, done: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    changed = change()
    flash(done if changed else _("Nessuna modifica."), "info")
    return redirect(url_for("console.district", slug=slug))


@blueprint.post("/distretti/<slug>/domini/<hostname>/verifica")
@allow(Audience.PLATFORM_OPERATOR)
@limited(*CHANGE_LIMITS, scope="console-change")
def verify_domain(slug: str, hostname: str):
    """Mark a domain verified, once its DNS points at the platform."""
    return _domain_change(
        slug,
        lambda: domains.verify_domain(slug, hostname, current_actor()),
        _("Dominio %(host)s verificato.", host=hostname),
    )


@blueprint.post("/distretti/<slug>/domini/<hostname>/rimuovi")
@allow(Audience.PLATFORM_OPERATOR)
@limited(*CHANGE_LIMITS, scope="console-change")
def remove_domain(slug: str, hostname: str):
    """Take a custom domain away from the district."""
    return _domain_change(
        slug,
        lambda: domains.remove_domain(slug, hostname, current_actor()),
        _("Dominio %(host)s rimosso.", host=hostname),
    )


@blueprint.post("/distretti/<slug>/amministrazione")
@allow(Audience.PLATFORM_OPERATOR)
@limited("10/minute", "100/hour", scope="console-invite")
def invite_admin(slug: str):
    """Invite one more administrator (say, when the first invitation expired)."""
    tenant = registry.get_tenant(slug)
    form = InviteAdminForm()
    outcome = run_form(
        form,
        lambda: services.invite_district_admin(slug, form.admin_email.data, current_operator()),
        error_field="admin_email",
    )
    if outcome.done:
        flash(_("Invito inviato a %(email)s.", email=outcome.result.email), "success")
        return redirect(url_for("console.district", slug=slug))
    return district_page(tenant, invite=form, status=400)
