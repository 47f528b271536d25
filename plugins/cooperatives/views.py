"""The district admin's pages for the service network: cooperatives, service categories and
accreditations, each with its list, a page to add one and a page to change one."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from condiviso.plugin_api import (
    Role,
    allow,
    comuni_choices,
    form_page,
    select_choices,
    today,
)
from plugins.cooperatives import services
from plugins.cooperatives.forms import (
    AccreditationForm,
    CategoryForm,
    CooperativeForm,
    form_values,
)
from plugins.cooperatives.models import Accreditation, Category, Cooperative

blueprint = Blueprint("cooperatives", __name__, template_folder="templates")

STATES = {
    "valid": _l("In vigore"),
    "expired": _l("Scaduto"),
    "future": _l("Non ancora in vigore"),
}


# -- cooperatives -------------------------------------------------------------------------------


def _cooperative_form(cooperative: Cooperative | None = None) -> CooperativeForm:
    form = CooperativeForm(obj=cooperative)
    form.comuni.choices = select_choices(comuni_choices())
    if cooperative is not None and not form.is_submitted():
        form.comuni.data = [c.id for c in cooperative.comuni]
    return form


@blueprint.get("/admin/cooperative")
@allow(Role.DISTRICT_ADMIN)
def cooperative_list():
    """Every cooperative of the network, active or not."""
    return render_template(
        "cooperatives/cooperatives.html", cooperatives=services.cooperatives(active_only=False)
    )


@blueprint.route("/admin/cooperative/nuova", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def cooperative_create():
    """Add a cooperative, with the comuni it serves."""
    form = _cooperative_form()
    return form_page(
        form,
        lambda: services.create_cooperative(form_values(form)),
        "cooperatives/cooperative.html",
        _("Cooperativa aggiunta."),
        url_for("cooperatives.cooperative_list"),
        cooperative=None,
    )


@blueprint.route("/admin/cooperative/<int:cooperative_id>", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def cooperative_edit(cooperative_id: int):
    """Change a cooperative (deactivate it by unticking `active`)."""
    cooperative = services.get_cooperative(cooperative_id)
    if cooperative is None:
        abort(404)
    form = _cooperative_form(cooperative)
    return form_page(
        form,
        lambda: services.update_cooperative(cooperative_id, form_values(form)),
        "cooperatives/cooperative.html",
        _("Cooperativa salvata."),
        url_for("cooperatives.cooperative_list"),
        cooperative=cooperative,
    )


# -- categories ---------------------------------------------------------------------------------


@blueprint.get("/admin/categorie")
@allow(Role.DISTRICT_ADMIN)
def category_list():
    """The service categories, in the order the portal shows them."""
    return render_template("cooperatives/categories.html", categories=services.categories())


@blueprint.route("/admin/categorie/nuova", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def category_create():
    """Add a service category."""
    form = CategoryForm()
    return form_page(
        form,
        lambda: services.create_category(form_values(form)),
        "cooperatives/category.html",
        _("Categoria aggiunta."),
        url_for("cooperatives.category_list"),
        category=None,
    )


@blueprint.route("/admin/categorie/<int:category_id>", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def category_edit(category_id: int):
    """Change a service category."""
    category: Category | None = services.category(category_id)
    if category is None:
        abort(404)
    form = CategoryForm(obj=category)
    return form_page(
        form,
        lambda: services.update_category(category_id, form_values(form)),
        "cooperatives/category.html",
        _("Categoria salvata."),
        url_for("cooperatives.category_list"),
        category=category,
    )


# -- accreditations -----------------------------------------------------------------------------


def _accreditation_form(accreditation: Accreditation | None = None) -> AccreditationForm:
    form = AccreditationForm(obj=accreditation)
    form.cooperative_id.choices = select_choices(
        [
            ("", _("Scegli una cooperativa")),
            *((c.id, c.legal_name) for c in services.cooperatives(active_only=False)),
        ]
    )
    form.category_id.choices = select_choices(
        [("", _("Scegli una categoria")), *((c.id, c.name) for c in services.categories())]
    )
    form.comune_id.choices = select_choices([("", _("Scegli un comune")), *comuni_choices()])
    return form


@blueprint.get("/admin/accreditamenti")
@allow(Role.DISTRICT_ADMIN)
def accreditation_list():
    """Every accreditation with its state today: in force, expired or not yet started."""
    day = today()
    rows = [(a, STATES[a.state_on(day)]) for a in services.accreditations()]
    return render_template("cooperatives/accreditations.html", rows=rows, today=day)


@blueprint.route("/admin/accreditamenti/nuovo", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def accreditation_create():
    """Record an accreditation of a cooperative, in a comune, for a category."""
    form = _accreditation_form()
    return form_page(
        form,
        lambda: services.create_accreditation(form_values(form)),
        "cooperatives/accreditation.html",
        _("Accreditamento registrato."),
        url_for("cooperatives.accreditation_list"),
        accreditation=None,
    )


@blueprint.route("/admin/accreditamenti/<int:accreditation_id>", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def accreditation_edit(accreditation_id: int):
    """Change an accreditation (end it by giving its last day)."""
    accreditation = services.get_accreditation(accreditation_id)
    if accreditation is None:
        abort(404)
    form = _accreditation_form(accreditation)
    state = STATES[accreditation.state_on(today())]
    return form_page(
        form,
        lambda: services.update_accreditation(accreditation_id, form_values(form)),
        "cooperatives/accreditation.html",
        _("Accreditamento salvato."),
        url_for("cooperatives.accreditation_list"),
        accreditation=accreditation,
        state=state,
    )
