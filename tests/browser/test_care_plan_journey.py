"""An operator at the Social Point desk finds a citizen, records the intake conversation and builds
the care plan with her, turns it into requests; the citizen then reads her plan, downloads it and
sees what is recorded about her. On a 360-px phone and on a desktop, axe-core on every page
visited: zero WCAG 2.1 A/AA violations."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORTS
from tests.browser.pages import check, visit
from tests.care_plans.fixtures import build_district
from tests.people import PASSWORD


def _sign_in(page, a11y, live, host: str, email: str, phone: bool) -> None:
    visit(page, a11y, live.url(host, "/accedi"), phone)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accedi").last.click()
    expect(page.get_by_role("button", name="Esci")).to_be_visible()


def _operator_builds_the_plan(page, a11y, live, district, phone: bool) -> None:
    _sign_in(page, a11y, live, district.host, district.people["operator"], phone)
    visit(page, a11y, live.url(district.host, "/admin/"), phone)
    page.get_by_role("link", name="Colloqui e piani personalizzati").click()
    check(page, a11y, phone)
    page.get_by_label("Nome, e-mail, telefono o codice fiscale").fill("Bianchi")
    page.get_by_role("button", name="Cerca").click()
    page.get_by_role("link", name="Maria Bianchi").click()
    expect(page.get_by_role("heading", name="Maria Bianchi")).to_be_visible()
    check(page, a11y, phone)

    page.get_by_role("link", name="Registra un colloquio").click()
    check(page, a11y, phone)
    page.get_by_label("Data del colloquio").fill("2020-02-30")
    page.get_by_role("button", name="Registra il colloquio").click()  # a bad date: errors shown
    expect(page.locator("#errori")).to_be_visible()
    check(page, a11y, phone)
    page.get_by_label("Data del colloquio").fill("2025-06-03")
    page.locator("#level_salute").select_option("alto")
    page.locator("#notes_salute").fill("Difficoltà a camminare dopo una caduta.")
    page.locator("#level_isolamento").select_option("medio")
    page.get_by_label("Note generali").fill("Vive sola; il figlio passa la domenica.")
    page.get_by_role("button", name="Registra il colloquio").click()
    expect(page.get_by_text("Colloquio registrato.")).to_be_visible()
    check(page, a11y, phone)

    page.get_by_role("link", name="Maria Bianchi").click()
    page.get_by_role("link", name="Crea un piano").click()
    check(page, a11y, phone)
    page.get_by_label("Obiettivi").fill("Uscire di casa due volte a settimana\nAiuto per la spesa")
    page.get_by_role("button", name="Crea il piano").click()
    expect(page.get_by_text("Piano creato in bozza")).to_be_visible()
    check(page, a11y, phone)

    page.get_by_label("Servizio del catalogo").select_option(
        label="Assistenza domiciliare per anziani (Il Girasole (esempio))"
    )
    page.get_by_label("Quanto spesso").fill("2 volte a settimana")
    page.get_by_label("Costo in euro").fill("-3")
    page.get_by_role("button", name="Aggiungi al piano").click()  # a negative cost: refused
    expect(page.locator("#cost-error")).to_be_visible()
    check(page, a11y, phone)
    page.get_by_label("Costo in euro").fill("12,50")
    page.get_by_label("Chi paga").select_option(label="Voucher")
    page.get_by_role("button", name="Aggiungi al piano").click()
    expect(page.get_by_text("Servizio aggiunto al piano.")).to_be_visible()
    page.get_by_label("Quale servizio").fill("Compagnia la sera")
    page.get_by_label("Chi lo offre", exact=True).fill("Associazione di vicinato")
    page.get_by_label("Quanto spesso").fill("ogni venerdì")
    page.get_by_label("Costo in euro").fill("0")
    page.get_by_role("button", name="Aggiungi al piano").click()
    expect(page.get_by_role("heading", name="Compagnia la sera")).to_be_visible()
    check(page, a11y, phone)

    page.get_by_role("button", name="Passa a «condiviso con la persona»").click()
    expect(page.get_by_text("Ora il piano è «condiviso con la persona»")).to_be_visible()
    page.get_by_role("button", name="Crea le richieste").click()
    expect(page.get_by_text("Richieste create: 1.")).to_be_visible()
    expect(page.get_by_text("inviata (R-")).to_be_visible()
    check(page, a11y, phone)


def _citizen_reads_her_plan(page, a11y, live, district, phone: bool, downloads: Path) -> None:
    _sign_in(page, a11y, live, district.host, district.people["citizen"], phone)
    page.get_by_role("link", name="Il mio piano").first.click()
    check(page, a11y, phone)
    page.get_by_role("link", name="Piano P-").first.click()
    expect(page.get_by_role("heading", name="Il tuo piano personalizzato")).to_be_visible()
    expect(page.get_by_text("Assistenza domiciliare per anziani")).to_be_visible()
    expect(page.get_by_text("Uscire di casa due volte a settimana")).to_be_visible()
    check(page, a11y, phone)
    with page.expect_download() as download:
        page.get_by_role("link", name="Scarica il piano (PDF)").click()
    saved = downloads / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    page.get_by_role("link", name="Il mio piano").first.click()
    page.get_by_role("link", name="Cosa è registrato su di me").click()
    expect(page.get_by_text("Difficoltà a camminare dopo una caduta.")).to_be_visible()
    expect(page.get_by_text("Olga Operatrice ha registrato un tuo colloquio")).to_be_visible()
    check(page, a11y, phone)


def test_operator_builds_a_care_plan_and_the_citizen_reads_it(
    browser, viewport, live, mail_app, a11y, tmp_path
):
    phone = viewport == "phone"
    district = build_district(mail_app, f"web-piani-{uuid.uuid4().hex[:6]}")
    desk = browser.new_context(viewport=VIEWPORTS[viewport], locale="it-IT")
    _operator_builds_the_plan(desk.new_page(), a11y, live, district, phone)
    desk.close()
    home = browser.new_context(viewport=VIEWPORTS[viewport], locale="it-IT", accept_downloads=True)
    _citizen_reads_her_plan(home.new_page(), a11y, live, district, phone, tmp_path)
    home.close()
