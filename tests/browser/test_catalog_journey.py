"""A citizen on a 360-px phone finds a service and asks for it; the cooperative's staff member
answers. axe-core on every page visited: zero WCAG 2.1 A/AA violations."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from playwright.sync_api import expect

from condiviso.extensions import db
from condiviso.plugins import enablement
from condiviso.tenancy import tenant_context
from plugins.cooperatives.models import Cooperative
from tests.browser.pages import check, visit
from tests.catalog.fixtures import build_network
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import ACTOR
from tests.people import PASSWORD, make_user


def test_citizen_asks_and_the_cooperative_answers(browser, live, mail_app, a11y):
    slug = f"web-catalogo-{uuid.uuid4().hex[:6]}"
    build_network(mail_app, slug)
    with mail_app.app_context():
        enablement.set_plugin(slug, "requests", ACTOR, True, {})
        with tenant_context(slug):
            girasole = db.session.scalar(
                sa.select(Cooperative).where(Cooperative.slug == "girasole")
            )
            girasole.email = "sportello@girasole.example.org"
            girasole_id = girasole.id
            db.session.commit()
    citizen_email = f"anna-{uuid.uuid4().hex[:6]}@esempio.it"
    staff_email = f"coop-{uuid.uuid4().hex[:6]}@esempio.it"
    make_user(mail_app, slug, citizen_email, "citizen", full_name="Anna Bianchi")
    make_user(mail_app, slug, staff_email, "cooperative_staff", cooperative_id=girasole_id)
    host = f"{slug}.{PLATFORM_DOMAIN}"

    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="it-IT")
    page = phone.new_page()
    visit(page, a11y, live.url(host, "/accedi"), True)
    page.get_by_label("E-mail").fill(citizen_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accedi").last.click()
    visit(page, a11y, live.url(host), True)
    page.get_by_label("Che cosa cerchi?").fill("anziano")
    page.get_by_role("button", name="Cerca", exact=True).click()
    expect(page.get_by_role("heading", name="servizi trovati")).to_be_visible()
    check(page, a11y, True)
    page.get_by_role("link", name="Assistenza domiciliare per anziani").click()
    check(page, a11y, True)
    page.get_by_role("link", name="Chiedi questo servizio").click()
    check(page, a11y, True)
    page.get_by_role("button", name="Invia la richiesta").click()  # empty: errors shown
    expect(page.locator("#errori")).to_be_visible()
    check(page, a11y, True)
    page.get_by_label("Di che cosa hai bisogno?").fill("Mia madre ha bisogno di aiuto la mattina.")
    page.get_by_role("button", name="Invia la richiesta").click()
    expect(page.get_by_role("heading", name="Richiesta inviata")).to_be_visible()
    check(page, a11y, True)
    page.get_by_role("link", name="Segui la richiesta").click()
    check(page, a11y, True)
    phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = desk.new_page()
    visit(page, a11y, live.url(host, "/accedi"), False)
    page.get_by_label("E-mail").fill(staff_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accedi").last.click()
    visit(page, a11y, live.url(host, "/admin/richieste"), False)
    page.get_by_role("link", name="R-").first.click()
    expect(page.get_by_text("Mia madre ha bisogno di aiuto la mattina.")).to_be_visible()
    check(page, a11y, False)
    page.get_by_label("Nuovo stato").select_option(label="presa in carico")
    page.get_by_role("button", name="Aggiorna lo stato").click()
    expect(page.get_by_text("Stato aggiornato")).to_be_visible()
    page.get_by_label("Rispondi al cittadino").fill("Passiamo giovedì alle 10.")
    page.get_by_role("button", name="Invia la risposta").click()
    expect(page.get_by_text("Risposta inviata.")).to_be_visible()
    check(page, a11y, False)
    desk.close()
