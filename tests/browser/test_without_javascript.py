"""Every main citizen page with JavaScript turned off: the pages render and the forms work,
because htmx and scripts only enhance what the server already does."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from condiviso.plugins import enablement
from tests.catalog.fixtures import build_network
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import ACTOR
from tests.people import PASSWORD, make_user


def test_the_citizen_pages_work_without_javascript(browser, live, mail_app):
    slug = f"web-nojs-{uuid.uuid4().hex[:6]}"
    build_network(mail_app, slug)
    with mail_app.app_context():
        for plugin in ("requests", "social_point", "care_plans"):
            enablement.set_plugin(slug, plugin, ACTOR, True, {})
    email = f"rosa-{uuid.uuid4().hex[:6]}@esempio.it"
    make_user(mail_app, slug, email, "citizen", full_name="Rosa Neri")
    host = f"{slug}.{PLATFORM_DOMAIN}"
    context = browser.new_context(
        java_script_enabled=False, locale="it-IT", viewport={"width": 360, "height": 740}
    )
    page = context.new_page()

    # A guest finds a service and asks for it.
    page.goto(live.url(host))
    page.get_by_label("Che cosa cerchi?").fill("anziani")
    page.get_by_role("button", name="Cerca", exact=True).click()
    expect(page.get_by_role("heading", name="servizi trovati")).to_be_visible()
    page.get_by_role("link", name="Assistenza domiciliare per anziani").click()
    page.get_by_role("link", name="Chiedi questo servizio").click()
    page.get_by_label("Di che cosa hai bisogno?").fill("Aiuto per mio padre, la mattina.")
    page.get_by_label("Nome e cognome").fill("Mario Bianchi")
    page.get_by_label("Telefono").fill("333 1234567")
    page.locator("label[for=privacy]").click()
    page.get_by_role("button", name="Invia la richiesta").click()
    expect(page.get_by_role("heading", name="Richiesta inviata")).to_be_visible()

    # A citizen signs in and opens each of their pages.
    page.goto(live.url(host, "/accedi"))
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    for path, heading in (
        ("/account", "Il mio account"),
        ("/le-mie-richieste", "Le mie richieste"),
        ("/social-point", "Social Point"),
        ("/i-miei-appuntamenti", "I miei appuntamenti"),
        ("/il-mio-piano", None),
        ("/i-miei-dati-sociali", None),
        ("/comuni/012127", None),
        ("/privacy", None),
    ):
        response = page.goto(live.url(host, path))
        assert response is not None and response.status == 200, path
        expect(page.locator("h1")).to_be_visible()
        if heading:
            expect(page.locator("h1")).to_contain_text(heading)
    context.close()
