"""The legal pages on the portal, and their editing by the district admin."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markdown_it import MarkdownIt
from markupsafe import Markup
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from condiviso.accounts.roles import Audience, Role, allow
from condiviso.forms import NO_CONTROL_CHARACTERS, NO_CONTROL_CHARACTERS_IN_TEXT, form_page
from condiviso.legal.models import LegalKind
from condiviso.legal.services import current_page, current_page_exact, publish_page

blueprint = Blueprint("legal", __name__)

# Raw HTML in a text is shown as text, and unsafe links are dropped: a legal text cannot carry
# scripts.
_markdown = MarkdownIt("commonmark", {"html": False})

PATHS = {
    LegalKind.PRIVACY: "privacy",
    LegalKind.ACCESSIBILITY: "accessibilita",
    LegalKind.COOKIES: "cookie",
}


def render_markdown(text: str) -> Markup:
    return Markup(_markdown.render(text))


def _show(kind: LegalKind):
    page = current_page(kind.value, str(get_locale()))
    if page is None:
        abort(404)
    return render_template("legal/page.html", page=page, body=render_markdown(page.body))


@blueprint.get("/privacy")
@allow(Audience.EVERYONE)
def privacy():
    return _show(LegalKind.PRIVACY)


@blueprint.get("/accessibilita")
@allow(Audience.EVERYONE)
def accessibility():
    return _show(LegalKind.ACCESSIBILITY)


@blueprint.get("/cookie")
@allow(Audience.EVERYONE)
def cookies():
    return _show(LegalKind.COOKIES)


ENDPOINTS = {
    LegalKind.PRIVACY: "legal.privacy",
    LegalKind.ACCESSIBILITY: "legal.accessibility",
    LegalKind.COOKIES: "legal.cookies",
}


class LegalPageForm(FlaskForm):
    title = StringField(
        _l("Titolo"),
        validators=[
            DataRequired(_l("Scrivi il titolo.")),
            Length(max=200, message=_l("Al massimo 200 caratteri.")),
            NO_CONTROL_CHARACTERS,
        ],
    )
    body = TextAreaField(
        _l("Testo"),
        validators=[
            DataRequired(_l("Scrivi il testo.")),
            Length(max=50000, message=_l("Il testo supera 50.000 caratteri.")),
            NO_CONTROL_CHARACTERS_IN_TEXT,
        ],
        description=_l(
            "Paragrafi separati da una riga vuota; ## all'inizio di una riga per un "
            "titolo; * per un elenco; [testo](https://indirizzo) per un collegamento."
        ),
    )


@blueprint.get("/admin/pagine")
@allow(Role.DISTRICT_ADMIN)
def admin_index():
    """The legal pages, with the current version of each text."""
    languages = current_app.config["LANGUAGES"]
    pages = [
        (kind, [(locale, current_page_exact(kind.value, locale)) for locale in languages])
        for kind in LegalKind
    ]
    return render_template("legal/admin_index.html", pages=pages, endpoints=ENDPOINTS)


@blueprint.route("/admin/pagine/<kind>/<locale>", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def edit(kind: str, locale: str):
    """Publish a new version of a legal text (earlier versions are kept)."""
    if kind not in {k.value for k in LegalKind} or locale not in current_app.config["LANGUAGES"]:
        abort(404)
    page = current_page_exact(kind, locale)
    form = LegalPageForm(obj=page)
    return form_page(
        form,
        lambda: publish_page(
            kind, locale, form.title.data, form.body.data, author=current_user.full_name
        ),
        "legal/edit.html",
        _("Nuova versione pubblicata."),
        url_for("legal.edit", kind=kind, locale=locale),
        kind=LegalKind(kind),
        locale=locale,
        page=page,
        public_url=url_for(ENDPOINTS[LegalKind(kind)]),
    )
