"""Outages answered as a page a person can read: 503 with `Retry-After`, Italian first, in the
site's language, on a page that needs no database (docs/decisions/0016).

- The registry cannot be read (the platform database down past `REGISTRY_STALE_SECONDS`, or
  never read since the process started): every host that needs it.
- A district's database is missing or offline: that district only, and the console pages that
  reach into it. Its engine is dropped, so no stale connection outlives the outage, and the
  outage is logged once until a request of the district reaches its database again.
- The platform database fails under a page that needs it (the console, an operator signing in).

The page (`errors/standalone.html`) is drawn without context processors: no signed-in person is
loaded, no plugin is asked for template variables. It is also the page of last resort when the
ordinary error page cannot be drawn.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from flask import Flask, current_app, g, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _

from condiviso.database.binding import bound_binding
from condiviso.errors import wants_json
from condiviso.ops.episodes import FailureEpisode
from condiviso.tenancy.engines import failed_database
from condiviso.tenancy.snapshot import TenantInfo

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_TENANT_EPISODES = "condiviso.outages.tenants"


class Outage(Exception):
    """Something the page needs does not answer; nothing the person did is wrong. Not a
    `CondivisoError`: views that turn those into form messages must let this one through to
    the error handler, which answers 503."""

    status = 503

    def __init__(self, tenant: TenantInfo | None = None) -> None:
        self.tenant = tenant
        super().__init__(f"the database of {tenant.slug if tenant else 'the platform'} is down")


class TenantDatabaseUnavailable(Outage):
    """A district's database is missing or does not answer (raised by `tenant_context`)."""


def _outage_sentence(tenant: TenantInfo | None) -> str:
    if tenant is not None:
        return _(
            "Il portale %(name)s non riesce a raggiungere i suoi dati in questo momento.",
            name=tenant.display_name,
        )
    return _("Il servizio non riesce a raggiungere i suoi dati in questo momento.")


def _page_tenant() -> TenantInfo | None:
    from condiviso.tenancy.runtime import SITE_ENVIRON_KEY

    site = request.environ.get(SITE_ENVIRON_KEY)
    if site is not None and site.tenant is not None:
        return site.tenant
    binding = bound_binding()
    return binding.tenant if binding is not None else None


def standalone_page(
    status: int,
    title: str,
    paragraphs: Sequence[str],
    headers: Mapping[str, str] | None = None,
):
    """A page (or JSON) that needs nothing but the request: no database, no signed-in person,
    no plugin; in the site's language, with the Bootstrap Italia shell."""
    if "_login_user" not in g:
        # The language is chosen without looking the person up in a database that may be down.
        g._login_user = current_app.login_manager.anonymous_user()
    headers = dict(headers or {})
    if wants_json():
        body = {"error": {"status": status, "title": title, "message": " ".join(paragraphs)}}
        return jsonify(body), status, headers
    tenant = _page_tenant()
    html = current_app.jinja_env.get_template("errors/standalone.html").render(
        title=title,
        paragraphs=paragraphs,
        shell_name=tenant.display_name if tenant else current_app.config["PLATFORM_NAME"],
        locale=str(get_locale() or "it"),
        request=request,
    )
    return html, status, headers


def outage_page(tenant: TenantInfo | None):
    """503: what is down, whether what was just sent is saved (it is not), when to try again."""
    paragraphs = [_outage_sentence(tenant)]
    if request.method in SAFE_METHODS:
        paragraphs.append(_("Riprova tra qualche minuto."))
    else:
        paragraphs.append(
            _("Quello che hai appena inviato non è stato salvato: riprova tra qualche minuto.")
        )
    paragraphs.append(_("I dati già salvati sono al sicuro."))
    return standalone_page(
        503,
        _("Servizio non disponibile"),
        paragraphs,
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _tenant_episode(tenant: TenantInfo) -> FailureEpisode:
    episodes = current_app.extensions.setdefault(_TENANT_EPISODES, {})
    episode = episodes.get(tenant.slug)
    if episode is None:
        episode = episodes.setdefault(
            tenant.slug,
            FailureEpisode(
                f"the database of district {tenant.slug}",
                current_app.config["REGISTRY_RETRY_SECONDS"],
                log,
                "its pages answer 503",
            ),
        )
    return episode


def database_outage_page(error: BaseException):
    """The answer to a database that is down, for the district it belongs to (or the platform)."""
    from condiviso.tenancy.runtime import get_runtime

    runtime = get_runtime()
    cause = error.__cause__ if isinstance(error, Outage) and error.__cause__ else error
    tenant = getattr(error, "tenant", None)
    if tenant is None and failed_database(cause) != "platform":
        tenant = _page_tenant()
    g.database_outage = True
    if tenant is not None:
        _tenant_episode(tenant).failed(cause)
        # A new engine, with a new pool, the next time: no connection of the outage survives.
        runtime.engines.discard(tenant.slug)
    else:
        log.warning("platform database unreachable: %s: %s", type(cause).__name__, cause)
        runtime.platform_engine.dispose()
    return outage_page(tenant)


def _note_recovery(_exc: BaseException | None) -> None:
    episodes = current_app.extensions.get(_TENANT_EPISODES)
    binding = bound_binding()
    if not episodes or binding is None or g.get("database_outage"):
        return
    episode = episodes.get(binding.tenant.slug)
    if episode is not None and binding.engine_used:
        episode.succeeded()
        episodes.pop(binding.tenant.slug, None)


def init_app(app: Flask) -> None:
    # Registered after the tenancy's own teardown, so it runs first: the tenant is still bound.
    app.teardown_request(_note_recovery)
