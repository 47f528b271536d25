"""Booking a Social Point appointment in a real browser, as a citizen on a phone and on a
desktop, as a guest without JavaScript, and the operator's day and the admin's desk pages; axe
on every page, no sideways scrolling on a phone, text enlarged to 200 % without loss."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser.pages import check, visit
from tests.clients import finish_jobs
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import comune, provision
from tests.people import PASSWORD, make_user
from tests.social_point.fixtures import desk_open_every_day


def _district(mail_app, label: str) -> tuple[str, dict[str, str]]:
    """A district with a desk open every day, an operator on duty every day, an admin and a
    citizen."""
    slug = f"web-sp-{label}-{uuid.uuid4().hex[:6]}"
    provision(
        mail_app,
        slug,
        f"Ambito di prova ({label})",
        plugins={"social_point": {}},
        comuni=[comune("012127", "Tradate", is_lead=True)],
    )
    people = {
        role: f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}@esempio.it"
        for role in ("district_admin", "operator", "citizen")
    }
    ids = {
        role: make_user(mail_app, slug, email, role, full_name=name)
        for (role, email), name in zip(
            people.items(),
            ("Anna Amministratrice", "Omar Operatore", "Giuseppina Verdi"),
            strict=True,
        )
    }
    desk_open_every_day(mail_app, slug, ids["operator"])
    return f"{slug}.{PLATFORM_DOMAIN}", people


def _sign_in(page, live, host, email) -> None:
    page.goto(live.url(host, "/accedi"))
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()


def _slot_next_week(page) -> None:
    """A free time next week: well beyond the 24 hours' notice, so it can still be moved."""
    page.get_by_role("link", name="Settimana dopo").click()
    page.locator(".slot-list a").first.click()


def _first_free_slot(page) -> None:
    """The first free time of the week shown, or of the next week."""
    slots = page.locator(".slot-list a")
    if slots.count() == 0:
        page.get_by_role("link", name="Settimana dopo").click()
    page.locator(".slot-list a").first.click()


def test_a_citizen_books_moves_and_cancels(page, viewport, live, mail_app, smtp, a11y):
    phone = viewport == "phone"
    host, people = _district(mail_app, viewport)
    _sign_in(page, live, host, people["citizen"])
    visit(page, a11y, live.url(host), phone)  # the home page offers a person to talk to
    page.get_by_role("link", name="Prenota un appuntamento").click()
    check(page, a11y, phone)
    page.get_by_role("link", name="Prenota un appuntamento").first.click()
    check(page, a11y, phone)
    _slot_next_week(page)
    expect(page.get_by_role("heading", name="Conferma l'appuntamento")).to_be_visible()
    check(page, a11y, phone)
    page.locator("label[for=mode-phone]").click()
    page.get_by_label("Di che cosa vuoi parlare? (facoltativo)").fill("Aiuto per mia madre")
    page.get_by_role("button", name="Prenota l'appuntamento").click()
    expect(page.get_by_role("heading", name="Il tuo appuntamento")).to_be_visible()
    expect(page.get_by_text("al telefono: ti chiama l'operatore")).to_be_visible()
    check(page, a11y, phone)
    finish_jobs(mail_app)
    assert "Appuntamento confermato" in smtp.last_to(people["citizen"])["Subject"]

    page.get_by_role("link", name="Sposta a un altro orario").click()
    check(page, a11y, phone)
    page.locator(".slot-list a").last.click()
    check(page, a11y, phone)
    page.get_by_role("button", name="Conferma il nuovo orario").click()
    expect(page.get_by_text("Appuntamento spostato.")).to_be_visible()
    page.get_by_role("button", name="Disdici l'appuntamento").click()
    expect(page.get_by_text("Stato: disdetto")).to_be_visible()
    visit(page, a11y, live.url(host, "/i-miei-appuntamenti"), phone)


def test_the_booking_pages_hold_at_200_percent_text(browser, live, mail_app, a11y):
    host, people = _district(mail_app, "zoom")
    context = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, live, host, people["citizen"])
    page.goto(live.url(host, "/social-point"))
    page.get_by_role("link", name="Prenota un appuntamento").first.click()
    for _step in range(2):
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page.url} scrolls sideways at 200 % text"
        a11y.check(page)
        if _step == 0:
            _first_free_slot(page)
    button = page.get_by_role("button", name="Prenota l'appuntamento")
    button.scroll_into_view_if_needed()
    expect(button).to_be_visible()
    context.close()


def test_a_guest_books_without_javascript(browser, live, mail_app):
    host, _people = _district(mail_app, "nojs")
    context = browser.new_context(
        java_script_enabled=False, locale="it-IT", viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    page.goto(live.url(host, "/social-point"))
    page.get_by_role("link", name="Prenota un appuntamento").first.click()
    _slot_next_week(page)
    page.get_by_role("button", name="Prenota l'appuntamento").click()
    # No name, phone or privacy: the server says so.
    expect(page.locator("#errori")).to_be_visible()
    page.get_by_label("Nome e cognome").fill("Mario Bianchi")
    page.get_by_label("Telefono", exact=True).fill("333 1234567")
    page.locator("label[for=privacy]").click()
    page.get_by_role("button", name="Prenota l'appuntamento").click()
    expect(page.get_by_text("Appuntamento prenotato")).to_be_visible()
    page.get_by_role("button", name="Disdici l'appuntamento").click()  # a form, no script
    expect(page.get_by_text("Appuntamento disdetto.")).to_be_visible()
    context.close()


def test_the_operator_s_day_and_the_desk_pages(page, viewport, live, mail_app, a11y):
    phone = viewport == "phone"
    host, people = _district(mail_app, f"op-{viewport}")
    _sign_in(page, live, host, people["operator"])
    visit(page, a11y, live.url(host, "/operatore/giornata"), phone)
    page.get_by_label("Nome e cognome").fill("Lucia Gialli")
    page.get_by_label("Di che cosa ha bisogno (facoltativo)").fill("Bollette")
    page.get_by_role("button", name="Registra l'accesso").click()
    expect(page.get_by_text("Accesso registrato.")).to_be_visible()
    expect(page.get_by_role("heading", name="Lucia Gialli")).to_be_visible()
    check(page, a11y, phone)
    page.get_by_role("button", name="Registra l'accesso").click()  # empty: told which field
    expect(page.locator("#name-error")).to_be_visible()
    check(page, a11y, phone)
    page.get_by_role("button", name="Esci").click()

    _sign_in(page, live, host, people["district_admin"])
    visit(page, a11y, live.url(host, "/admin/social-point"), phone)
    page.get_by_role("link", name="Social Point di Tradate").click()
    check(page, a11y, phone)
    page.locator("#h0_0_closes").fill("08:00")  # closing before opening
    page.get_by_role("button", name="Salva", exact=True).click()
    expect(page.locator("#h0_0_closes-error")).to_be_visible()
    check(page, a11y, phone)
    visit(page, a11y, live.url(host, "/admin/social-point/nuovo"), phone)


def test_forms_with_errors_hold_at_200_percent_text_on_a_phone(browser, live, mail_app, a11y):
    """Error summaries and messages wrap instead of widening a 360-px page at 200 % text."""
    host, _people = _district(mail_app, "zoom-phone")
    context = browser.new_context(locale="it-IT", viewport={"width": 360, "height": 740})
    page = context.new_page()
    for path, button in (
        ("/registrati", "Crea l'account"),
        ("/social-point", None),
    ):
        page.goto(live.url(host, path))
        if button is None:
            page.get_by_role("link", name="Prenota un appuntamento").first.click()
            _slot_next_week(page)
            button = "Prenota l'appuntamento"
        page.get_by_role("button", name=button).click()
        expect(page.locator("#errori")).to_be_visible()
        page.evaluate("document.fonts.ready.then(() => true)")  # measured in the page's fonts
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (page.url, overflow, page.evaluate(WIDER_THAN_THE_SCREEN))
        a11y.check(page)
    context.close()


# What sticks out of the window, for the message of a failed reflow check.
WIDER_THAN_THE_SCREEN = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 8)
  .map(e => `${e.tagName}.${e.className}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`)"""
