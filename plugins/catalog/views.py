"""What citizens see of the catalog: the search (bookmarkable), a service's page, the home
section with the search box and the categories."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from markupsafe import Markup

from condiviso.plugin_api import (
    Audience,
    allow,
    comuni_choices,
    current_tenant,
    serve_content,
    signed_in_user,
    tenant_hook,
)
from plugins.catalog import finding, services
from plugins.catalog.forms import DELIVERIES, PRICE_KINDS, PROVIDER_TYPES, SearchForm
from plugins.cooperatives import services as network

blueprint = Blueprint("catalog", __name__, template_folder="templates")
PER_PAGE = 20


def _filters(form: SearchForm) -> finding.Filters:
    """The search as the address says it; the signed-in citizen's comune when none is chosen."""
    comune_id = form.comune.data
    user = signed_in_user()
    if "comune" not in request.args and user is not None:
        comune_id = getattr(user, "comune_id", None)
    return finding.Filters(
        query=form.q.data,
        comune_id=comune_id,
        category_id=form.categoria.data,
        provider_type=form.tipo.data,
        free_only=form.gratuito.data,
        delivery=form.modalita.data,
    )


@blueprint.get("/servizi")
@allow(Audience.EVERYONE)
def search():
    form = SearchForm(request.args)
    filters = _filters(form)
    page = form.pagina.data
    results, total = finding.find_services(filters, page, PER_PAGE)

    return render_template(
        "catalog/search.html",
        filters=filters,
        results=results,
        total=total,
        page=page,
        pages=(total + PER_PAGE - 1) // PER_PAGE,
        categories=network.categories(),
        comuni=comuni_choices(),
        provider_types=PROVIDER_TYPES,
        deliveries=DELIVERIES,
        price_kinds=dict(PRICE_KINDS),
        provider_labels=dict(PROVIDER_TYPES),
    )


@blueprint.get("/servizi/<slug>")
@allow(Audience.EVERYONE)
def service(slug: str):
    item = finding.published_service(slug[:100])
    tenant = current_tenant()
    actions = [
        entry
        for result in tenant_hook("condiviso_record_actions", tenant)(
            tenant=tenant, record_type="catalog.service", record=item
        )
        for entry in (result or ())
    ]
    return render_template(
        "catalog/service.html",
        service=item,
        actions=actions,
        accredited_in=finding.accredited_in(item),
        price_kinds=dict(PRICE_KINDS),
        provider_labels=dict(PROVIDER_TYPES),
        deliveries=dict(DELIVERIES),
    )


def home_section() -> Markup:
    """The search box and the category tiles, for the portal's home."""
    return Markup(render_template("catalog/home_section.html", categories=network.categories()))


@blueprint.get("/servizi/foto/<digest>")
@allow(Audience.EVERYONE)
def photo(digest: str):
    """A service's photo, from the tenant's storage."""
    kind = services.photo_type(digest)
    response = serve_content(services.PHOTO_FOLDER, digest, kind) if kind else None
    if response is None:
        abort(404)
    return response
