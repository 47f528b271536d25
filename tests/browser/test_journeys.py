"""People's journeys in a real browser, on a phone and on a desktop, with axe-core on every page:
zero WCAG 2.1 A/AA violations, no horizontal scrolling on a phone, usable without a mouse."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.accounts.flows import link_in
from tests.browser.pages import check, visit
from tests.clients import finish_jobs
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import comune, provision
from tests.people import PASSWORD, make_user


def _district(mail_app, label: str) -> str:
    slug = f"web-{label}-{uuid.uuid4().hex[:6]}"
    provision(
        mail_app,
        slug,
        f"Ambito di prova ({label})",
        plugins={
            "branding": {
                "footer_links": [
                    {"label": "Comune di Tradate", "url": "https://www.comune.tradate.va.it"}
                ],
                "contacts": {"email": "ufficio@prova.example", "phone": "+39 0331 000000"},
            }
        },
        comuni=[
            comune("012127", "Tradate", population=17729, is_lead=True),
            comune("012044", "Castelseprio"),
        ],
    )
    return slug


def _local(link: str, live) -> str:
    """A link from an e-mail, pointed at the test server's port."""
    return re.sub(r"^http://([^/]+)", lambda m: f"http://{m.group(1)}:{live.port}", link)


def test_citizen_registers_confirms_signs_in_and_manages_the_account(
    page, viewport, live, mail_app, smtp, a11y
):
    phone = viewport == "phone"
    slug = _district(mail_app, viewport)
    host = f"{slug}.{PLATFORM_DOMAIN}"
    visit(page, a11y, live.url(host), phone)

    page.get_by_role("link", name="Registrati").click()
    check(page, a11y, phone)
    page.get_by_role("button", name="Crea l'account").click()  # empty: errors shown
    expect(page.locator("#errori")).to_be_visible()
    check(page, a11y, phone)

    email = f"maria-{uuid.uuid4().hex[:6]}@esempio.it"
    page.get_by_label("Nome e cognome").fill("Maria Rossi")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Comune di residenza").select_option(label="Castelseprio")
    # Bootstrap Italia draws the box on the label: people click (or tap) the label.
    page.locator("label[for=privacy]").click()
    assert page.get_by_label("Ho letto l'informativa sulla privacy").is_checked()
    page.get_by_role("button", name="Crea l'account").click()
    expect(page.get_by_role("heading", name="Controlla la tua e-mail")).to_be_visible()
    check(page, a11y, phone)

    # The link from the e-mail: the address is confirmed and the password chosen there.
    finish_jobs(mail_app)
    visit(page, a11y, _local(link_in(smtp.last_to(email)), live), phone)
    page.get_by_label("Nuova password", exact=True).fill(PASSWORD)
    page.get_by_label("Ripeti la nuova password").fill(PASSWORD)
    page.get_by_role("button", name="Conferma e accedi").click()
    expect(page.get_by_role("heading", name="Il mio account")).to_be_visible()
    check(page, a11y, phone)
    page.get_by_role("button", name="Esci").click()

    visit(page, a11y, live.url(host, "/accedi"), phone)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accedi").last.click()
    expect(page.get_by_role("heading", name="Il mio account")).to_be_visible()

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    check(page, a11y, phone)
    page.get_by_role("link", name="Italiano").click()

    for path in (
        "/account/elimina",
        "/privacy",
        "/accessibilita",
        "/cookie",
        "/contatti",
        "/comuni/012127",
    ):
        visit(page, a11y, live.url(host, path), phone)
    page.get_by_role("button", name="Esci").click()
    visit(page, a11y, live.url(host, "/password-dimenticata"), phone)


def test_district_admin_invites_staff_who_accept(page, viewport, live, mail_app, smtp, a11y):
    phone = viewport == "phone"
    slug = _district(mail_app, f"staff-{viewport}")
    host = f"{slug}.{PLATFORM_DOMAIN}"
    admin = f"admin-{uuid.uuid4().hex[:6]}@esempio.it"
    make_user(mail_app, slug, admin, "district_admin")

    visit(page, a11y, live.url(host, "/accedi"), phone)
    page.get_by_label("E-mail").fill(admin)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accedi").last.click()
    visit(page, a11y, live.url(host, "/admin/"), phone)
    page.get_by_role("link", name="Personale").first.click()
    check(page, a11y, phone)

    invited = f"operatore-{uuid.uuid4().hex[:6]}@esempio.it"
    page.get_by_label("E-mail della persona da invitare").fill(invited)
    page.get_by_label("Ruolo", exact=True).select_option(value="operator")
    page.get_by_role("button", name="Invia l'invito").click()
    expect(page.get_by_text(f"Invito inviato a {invited}")).to_be_visible()
    check(page, a11y, phone)

    for path in ("/admin/aspetto", "/admin/pagine", "/admin/pagine/privacy/it"):
        visit(page, a11y, live.url(host, path), phone)
    page.goto(live.url(host, "/admin/aspetto"))
    page.get_by_label("Colore principale").fill("#ffdd00")
    page.get_by_role("button", name="Salva", exact=True).click()
    expect(page.locator("#errori")).to_be_visible()
    check(page, a11y, phone)

    page.get_by_role("button", name="Esci").click()
    finish_jobs(mail_app)
    visit(page, a11y, _local(link_in(smtp.last_to(invited)), live), phone)
    page.get_by_label("Nome e cognome").fill("Omar Operatore")
    page.get_by_label("Scegli una password").fill("una frase per l'operatore")
    page.get_by_label("Ripeti la password").fill("una frase per l'operatore")
    page.get_by_role("button", name="Accetta l'invito").click()
    expect(page.get_by_role("heading", name="Area amministrazione")).to_be_visible()
    check(page, a11y, phone)


def test_forms_work_without_javascript(browser, live, mail_app):
    slug = _district(mail_app, "nojs")
    context = browser.new_context(
        java_script_enabled=False, locale="it-IT", viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    page.goto(live.url(f"{slug}.{PLATFORM_DOMAIN}", "/registrati"))
    page.get_by_role("button", name="Crea l'account").click()
    expect(page.locator("#errori")).to_be_visible()  # the server answered: no script needed
    expect(page.locator("#full_name-error")).to_be_visible()
    context.close()


def test_the_keyboard_reaches_the_content_first(page, live, mail_app):
    slug = _district(mail_app, "keys")
    page.goto(live.url(f"{slug}.{PLATFORM_DOMAIN}", "/registrati"))
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Vai al contenuto principale")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("id", "full_name")


@pytest.mark.parametrize("locale", ["it", "en"])
def test_error_pages_are_accessible(browser, live, a11y, locale):
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(live.url(f"nessuno.{PLATFORM_DOMAIN}", "/"))
    a11y.check(page)
    page.goto(live.url(PLATFORM_DOMAIN, "/"))
    a11y.check(page)
    context.close()


def test_platform_operator_provisions_and_manages_a_district(page, viewport, live, mail_app, a11y):
    from condiviso.console.operators import create_operator

    phone = viewport == "phone"
    email = f"operatrice-{uuid.uuid4().hex[:6]}@esempio.it"
    with mail_app.app_context():
        create_operator(email, "Operatrice di prova", PASSWORD)

    visit(page, a11y, live.url(PLATFORM_DOMAIN, "/console/"), phone)  # redirected to sign in
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accedi").last.click()
    expect(page.get_by_role("heading", name="Distretti", exact=True)).to_be_visible()
    check(page, a11y, phone)

    visit(page, a11y, live.url(PLATFORM_DOMAIN, "/console/distretti/nuovo"), phone)
    page.get_by_role("button", name="Crea il distretto").click()
    expect(page.locator("#errori")).to_be_visible()
    check(page, a11y, phone)
    slug = f"console-{viewport}-{uuid.uuid4().hex[:4]}"
    page.locator("#slug").fill(slug)
    page.get_by_label("Nome del distretto").fill(f"Ambito di prova dalla console ({viewport})")
    page.get_by_label("E-mail della prima amministrazione").fill(f"admin-{slug}@esempio.it")
    page.get_by_role("button", name="Crea il distretto").click()
    expect(page.get_by_role("heading", name="Distretto creato")).to_be_visible()
    check(page, a11y, phone)

    for path in (
        f"/console/distretti/{slug}",
        f"/console/distretti/{slug}/plugin/branding",
        f"/console/distretti/{slug}/sospendi",
        f"/console/distretti/{slug}/dismetti",
    ):
        visit(page, a11y, live.url(PLATFORM_DOMAIN, path), phone)
    page.goto(live.url(PLATFORM_DOMAIN, f"/console/distretti/{slug}/sospendi"))
    page.locator("#confirmation").fill("non-e-lui")
    page.get_by_role("button", name="Sospendi il distretto").click()
    expect(page.locator("#errori")).to_be_visible()
    check(page, a11y, phone)
