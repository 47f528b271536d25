"""A district's lifecycle in the console: suspend, resume, export, offboard, each confirmed by
typing the district's slug, and the download of its archive.

Archives are served only from ARCHIVE_PATH, by the name the registry records; the request names
the district, never a file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, send_from_directory, url_for
from flask_babel import gettext as _

from condiviso.accounts.roles import Audience, allow
from condiviso.console import services
from condiviso.console.blueprint import blueprint, current_actor, current_operator
from condiviso.console.forms import SuspendForm, TypedConfirmationForm
from condiviso.forms import run_form
from condiviso.ratelimit import limited
from condiviso.tenancy import lifecycle, registry
from condiviso.tenancy.archive import offboard_tenant

LIFECYCLE_LIMITS = ("10/minute", "100/hour")


def _texts(action: str) -> tuple[str, str, str]:
    """(title, what happens, button) of a lifecycle action."""
    return {
        "suspend": (
            _("Sospendi il distretto"),
            _(
                "Il portale resta consultabile, ma nessuno potrà inviare o modificare dati. "
                "I dati sono conservati e il distretto si può riattivare."
            ),
            _("Sospendi il distretto"),
        ),
        "resume": (
            _("Riattiva il distretto"),
            _("Il portale torna a funzionare normalmente: si possono di nuovo inviare dati."),
            _("Riattiva il distretto"),
        ),
        "export": (
            _("Esporta il distretto"),
            _(
                "Viene scritto un archivio zip con tutto il database e i file del distretto, "
                "da scaricare subito dopo; i dati cifrati (colloqui, piani) vi sono scritti in "
                "chiaro. Il distretto resta com'è."
            ),
            _("Esporta il distretto"),
        ),
        "offboard": (
            _("Dismetti il distretto"),
            _(
                "Il distretto viene sospeso ed esportato in un archivio; poi il suo database e "
                "i suoi file vengono cancellati. Non si può tornare indietro."
            ),
            _("Dismetti definitivamente"),
        ),
    }[action]


def _confirmed_action(
    slug: str,
    action: str,
    form: TypedConfirmationForm,
    change: Callable[[], Any],
    done: Callable[[Any], tuple[str, str]],
):
    """Show the confirmation page; once the slug typed matches the district's, run `change`,
    then flash and go where `done(its result)` says: (message, address)."""
    tenant = registry.get_tenant(slug)
    outcome = run_form(form, change)
    if outcome.done:
        message, target = done(outcome.result)
        flash(message, "success")
        return redirect(target)
    title, explanation, button = _texts(action)
    return render_template(
        "console/confirm.html",
        tenant=tenant,
        form=form,
        action=action,
        title=title,
        explanation=explanation,
        button=button,
    ), outcome.status


def _district_url(slug: str, anchor: str = "") -> str:
    return url_for("console.district", slug=slug) + anchor


@blueprint.route("/distretti/<slug>/sospendi", methods=["GET", "POST"])
@allow(Audience.PLATFORM_OPERATOR)
@limited(*LIFECYCLE_LIMITS, scope="console-lifecycle")
def suspend(slug: str):
    """Make the district read-only; its data is kept."""
    form = SuspendForm(slug)
    return _confirmed_action(
        slug,
        "suspend",
        form,
        lambda: lifecycle.suspend_tenant(slug, current_actor(), (form.reason.data or "").strip()),
        lambda changed: (
            _("Distretto «%(slug)s» sospeso.", slug=slug)
            if changed
            else _("Il distretto «%(slug)s» era già sospeso.", slug=slug),
            _district_url(slug),
        ),
    )


@blueprint.route("/distretti/<slug>/riattiva", methods=["GET", "POST"])
@allow(Audience.PLATFORM_OPERATOR)
@limited(*LIFECYCLE_LIMITS, scope="console-lifecycle")
def resume(slug: str):
    """Serve a suspended district normally again."""
    return _confirmed_action(
        slug,
        "resume",
        TypedConfirmationForm(slug),
        lambda: lifecycle.resume_tenant(slug, current_actor()),
        lambda changed: (
            _("Distretto «%(slug)s» riattivato.", slug=slug)
            if changed
            else _("Il distretto «%(slug)s» era già attivo.", slug=slug),
            _district_url(slug),
        ),
    )


@blueprint.route("/distretti/<slug>/esporta", methods=["GET", "POST"])
@allow(Audience.PLATFORM_OPERATOR)
@limited(*LIFECYCLE_LIMITS, scope="console-lifecycle")
def export(slug: str):
    """Write the district's archive; the district page then offers it for download."""
    return _confirmed_action(
        slug,
        "export",
        TypedConfirmationForm(slug),
        lambda: services.export_district(slug, current_operator()),
        lambda path: (
            _("Archivio %(name)s pronto da scaricare.", name=path.name),
            _district_url(slug, "#archive-title"),
        ),
    )


@blueprint.route("/distretti/<slug>/dismetti", methods=["GET", "POST"])
@allow(Audience.PLATFORM_OPERATOR)
@limited(*LIFECYCLE_LIMITS, scope="console-lifecycle")
def offboard(slug: str):
    """Archive the district, then delete its database and files."""
    return _confirmed_action(
        slug,
        "offboard",
        TypedConfirmationForm(slug),
        lambda: offboard_tenant(slug, current_actor()),
        lambda path: (
            _("Distretto «%(slug)s» dismesso. Archivio: %(name)s.", slug=slug, name=path.name),
            url_for("console.dashboard") + "#offboarded-title",
        ),
    )


@blueprint.get("/distretti/<slug>/archivio")
@allow(Audience.PLATFORM_OPERATOR)
def download_archive(slug: str):
    """The district's last archive, as an attachment (offboarded districts included)."""
    path = services.archive_file(slug)
    if path is None:
        abort(404)
    registry.record_event(
        current_actor(), slug, "tenant.archive_downloaded", {"archive": path.name}
    )
    response = send_from_directory(
        path.parent, path.name, as_attachment=True, mimetype="application/zip"
    )
    # Archives hold personal data: no copy stays in a cache on the way.
    response.headers["Cache-Control"] = "no-store"
    return response
