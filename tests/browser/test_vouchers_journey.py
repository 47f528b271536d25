"""The social vouchers in a real browser, on a 360-px phone and on a desktop: comune staff open a
budget line and issue a voucher; the citizen reads her wallet and, with JavaScript turned off,
chooses the cooperative; the cooperative records a delivery and reverses it; the operator at the
desk finds the person and prints the voucher. On every page: axe-core finds no WCAG 2.1 A/AA
violation, every piece of text reads at 4.5:1, a phone never scrolls sideways (tables scroll
inside their own region), and a full-page screenshot is kept in the test's temporary folder."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import timedelta
from io import BytesIO

from playwright.sync_api import expect

from plugins.branding.contrast import AA_NORMAL_TEXT
from tests.browser.conftest import VIEWPORTS
from tests.browser.vouchers import RENDERED_CONTRAST, Walk, sign_in
from tests.vouchers.fixtures import (
    as_person,
    build_vouchers_district,
    deliver,
    issue_voucher,
    ledger_problems,
    make_line,
    today_of,
)


def _district(mail_app, label: str):
    return build_vouchers_district(mail_app, f"web-v-{label}-{uuid.uuid4().hex[:6]}")


def _walk(browser, a11y, viewport: str, shots, who: str, **options) -> Walk:
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="it-IT", **options)
    return Walk(context.new_page(), a11y, viewport, shots, who)


def _issued(district, **changes) -> tuple[int, str]:
    """A voucher of 300,00 € for Anziani on a line of Tradate: its id and code."""
    from plugins.vouchers.models import Voucher

    line_id = make_line(district)
    voucher_id = issue_voucher(district, line_id, value_cents=30_000, **changes)
    with as_person(district, "comune_staff"):
        from condiviso.extensions import db

        return voucher_id, db.session.get(Voucher, voucher_id).code


def _figures(page) -> dict[str, str]:
    """The four figures of the first card of figures on the page, by their name."""
    card = page.locator(".card-body dl").first
    names = [t.strip() for t in card.locator("dt").all_inner_texts()]
    amounts = [t.strip().replace("\xa0", " ") for t in card.locator("dd").all_inner_texts()]
    return dict(zip(names, amounts, strict=True))


# The page's own fetch, with its cookies and through the browser's network (Playwright's request
# context resolves names itself and knows nothing of the test hosts): status, headers, body.
FETCH = """async (url) => {
  const response = await fetch(url, {credentials: "same-origin"});
  const bytes = new Uint8Array(await response.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return [response.status, Object.fromEntries(response.headers), btoa(binary)];
}"""


def _fetch(page, url: str) -> tuple[int, dict[str, str], bytes]:
    status, headers, body = page.evaluate(FETCH, url)
    return status, headers, base64.b64decode(body)


def _euro(text: str) -> str:
    return text.replace("\xa0", " ")


# -- 1. comune staff -------------------------------------------------------------------------------


def test_comune_staff_open_a_line_and_issue_a_voucher(
    browser, viewport, live, mail_app, a11y, tmp_path
):
    district = _district(mail_app, f"comune-{viewport}")
    walk = _walk(browser, a11y, viewport, tmp_path, "comune")
    page = walk.page
    walk.sign_in(live, district.host, district.people["comune_staff"])
    page.goto(live.url(district.host, "/admin/"))
    walk.look("admin")
    page.get_by_role("link", name="Bilancio e voucher sociali").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bilancio e voucher sociali")
    walk.look("bilancio")

    page.get_by_role("link", name="Apri una voce di bilancio").click()
    expect(page.get_by_role("heading", name="Nuova voce di bilancio")).to_be_visible()
    walk.look("nuova-voce")
    page.get_by_label("Chi finanzia").select_option(label="Tradate")
    page.get_by_label("Fondo").select_option(label="Fondo Non Autosufficienza (esempio)")
    page.get_by_label("Stanziamento in euro").fill("dodicimila")
    page.get_by_role("button", name="Apri la voce").click()  # not an amount: the server says so
    expect(page.locator("#errori")).to_be_visible()
    expect(page.locator("#amount-error")).to_be_visible()
    walk.look("nuova-voce-errore")
    page.get_by_label("Stanziamento in euro").fill("12.000,00")
    page.get_by_label("Note (facoltative)").fill("Delibera di giunta n. 42 (esempio)")
    page.get_by_role("button", name="Apri la voce").click()
    expect(page.get_by_text("Voce di bilancio aperta.")).to_be_visible()
    year = today_of(district).year
    title = f"Tradate · Fondo Non Autosufficienza (esempio) · {year}"
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    assert _figures(page) == {
        "Stanziato": "12.000,00 €",
        "Impegnato (voucher attivi)": "0,00 €",
        "Speso": "0,00 €",
        "Disponibile": "12.000,00 €",
    }
    walk.look("voce")

    page.get_by_role("link", name="Emetti un voucher da questa voce").click()
    expect(page.get_by_role("heading", name="Emetti un voucher")).to_be_visible()
    expect(page.get_by_label("Voce di bilancio")).to_have_value(re.compile(r"\d+"))
    walk.look("emetti")
    page.get_by_label("Beneficiario: e-mail, telefono o codice fiscale").fill(
        district.people["citizen"]
    )
    page.get_by_label("Il voucher vale").select_option("value")
    page.get_by_role("button", name="Emetti il voucher").click()  # no value: refused
    expect(page.locator("#value-error")).to_be_visible()
    walk.look("emetti-errore")
    page.get_by_label("Valore in euro (voucher a importo)").fill("300,00")
    anziani = page.get_by_role("checkbox", name="Anziani", exact=True)
    anziani.focus()  # by keyboard: the styled label lies over the box
    page.keyboard.press("Space")
    expect(anziani).to_be_checked()
    start, end = today_of(district), today_of(district) + timedelta(days=120)
    page.get_by_label("Valido dal").fill(start.isoformat())
    page.get_by_label("Valido fino al").fill(end.isoformat())
    page.get_by_label("Quota a carico della famiglia (%)").fill("0")
    page.get_by_label("Motivo (riservato").fill("Dimissione ospedaliera, vive sola (esempio).")
    page.get_by_role("button", name="Emetti il voucher").click()
    expect(page.get_by_text(re.compile(r"Voucher \S+ emesso: 300,00"))).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Voucher ")
    details = _euro(page.locator("main dl").first.inner_text())
    assert "300,00 €" in details and "Anziani" in details
    assert f"dal {start:%-d/%-m/%Y} al {end:%-d/%-m/%Y}" in details
    assert "Dimissione ospedaliera" in details
    walk.look("voucher")

    # The voucher's page links neither to its line nor to the budget: back through the menu.
    page.get_by_role("link", name="Area amministrazione").first.click()
    page.get_by_role("link", name="Bilancio e voucher sociali").click()
    page.get_by_role("link", name=title).click()
    assert _figures(page) == {
        "Stanziato": "12.000,00 €",
        "Impegnato (voucher attivi)": "300,00 €",
        "Speso": "0,00 €",
        "Disponibile": "11.700,00 €",
    }
    walk.look("voce-dopo")
    page.context.close()
    assert ledger_problems(district) == []


# -- 2. the citizen --------------------------------------------------------------------------------


def test_the_citizen_reads_her_wallet_and_chooses_the_cooperative(
    browser, viewport, live, mail_app, a11y, tmp_path
):
    district = _district(mail_app, f"cittadina-{viewport}")
    voucher_id, code = _issued(district)
    end = today_of(district) + timedelta(days=90)
    walk = _walk(browser, a11y, viewport, tmp_path, "cittadina")
    page = walk.page
    walk.sign_in(live, district.host, district.people["citizen"])
    page.goto(live.url(district.host, "/"))
    walk.look("home")
    page.get_by_role("link", name="Il mio borsellino").first.click()
    expect(page.get_by_role("heading", name="Il mio borsellino")).to_be_visible()
    card = page.locator("main li.card")
    expect(card).to_contain_text("Restano 300,00")
    expect(card).to_contain_text(f"Puoi usarlo fino al {_long_day(end)}.")
    expect(card.get_by_role("heading", name="Anziani")).to_be_visible()
    expect(card).to_contain_text(code)
    walk.look("borsellino")
    # By keyboard: the skip link first, then the first link of the content is her voucher.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Vai al contenuto principale")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Anziani")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Anziani", level=1)).to_be_visible()
    details = _euro(page.locator("main dl").inner_text())
    assert "300,00 €" in details and _long_day(end) in details and "Tradate" in details
    # Where she can use it: the cooperatives accredited for what it covers.
    expect(page.locator("#dove-title + ul")).to_contain_text("Il Girasole (esempio)")
    walk.look("voucher")
    page.context.close()

    # Choosing the cooperative: a form the server handles, JavaScript turned off.
    walk = _walk(browser, a11y, viewport, tmp_path, "cittadina-senza-js", java_script_enabled=False)
    page = walk.page
    walk.sign_in(live, district.host, district.people["citizen"], axe=False)
    page.goto(live.url(district.host, "/il-mio-borsellino"))
    walk.look("borsellino", axe=False)
    page.locator("main li.card").get_by_role("link", name="Anziani").click()
    expect(page).to_have_url(re.compile(rf"/il-mio-borsellino/{voucher_id}$"))
    details = _euro(page.locator("main dl").inner_text())
    assert "300,00 €" in details and _long_day(end) in details and code in details
    walk.look("voucher", axe=False)
    page.get_by_label("Scegli la cooperativa a cui darlo").select_option(
        label="Il Girasole (esempio)"
    )
    page.get_by_role("button", name="Scegli", exact=True).click()
    expect(page.get_by_text("Hai scelto Il Girasole (esempio)")).to_be_visible()
    walk.look("scelta", axe=False)
    page.get_by_role("link", name="Il mio borsellino").last.click()
    expect(page.locator("main li.card")).to_contain_text("Lo usi presso: Il Girasole (esempio)")
    walk.look("borsellino-dopo", axe=False)
    page.context.close()


MONTHS = "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre"
MONTHS = (MONTHS + " dicembre").split()


def _long_day(day) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


# -- 3. the cooperative ----------------------------------------------------------------------------


def test_the_cooperative_records_a_delivery_and_reverses_it(
    browser, viewport, live, mail_app, a11y, tmp_path
):
    from plugins.vouchers import redeeming

    district = _district(mail_app, f"coop-{viewport}")
    voucher_id, code = _issued(district)
    with as_person(district, "citizen") as citizen:
        from condiviso.extensions import db

        redeeming.choose(citizen, voucher_id, district.ids["girasole"])
        db.session.commit()
    walk = _walk(browser, a11y, viewport, tmp_path, "cooperativa")
    page = walk.page
    walk.sign_in(live, district.host, district.people["cooperative_staff"])
    page.goto(live.url(district.host, "/admin/"))
    page.get_by_role("link", name="Voucher da erogare").click()
    expect(page.get_by_role("heading", name="Voucher da erogare", level=1)).to_be_visible()
    card = page.locator("main li.card")
    expect(card).to_contain_text("Resta 300,00")
    walk.look("da-erogare")

    card.get_by_role("link", name=f"Maria Bianchi · {code}").click()
    expect(page.get_by_role("heading", name=f"Maria Bianchi · {code}")).to_be_visible()
    walk.look("voucher")
    today = today_of(district)
    page.get_by_label("Data della prestazione").fill(today.isoformat())
    page.get_by_label("Costo della prestazione in euro").fill("-45")
    page.get_by_role("button", name="Registra", exact=True).click()  # a negative cost: refused
    expect(page.locator("#cost-error")).to_be_visible()
    walk.look("prestazione-errore")
    # By keyboard, as a desk worker with one hand on the phone: the cost, then the note, Enter.
    page.get_by_label("Costo della prestazione in euro").fill("")
    page.get_by_label("Costo della prestazione in euro").focus()
    page.keyboard.type("45,00")
    page.get_by_label("Nota (facoltativa)").focus()
    page.keyboard.type("Due ore di assistenza al mattino")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Prestazione registrata: 45,00")).to_be_visible()
    expect(page.locator("main dl")).to_contain_text("255,00")
    deliveries = page.locator("#prestazioni li.card")
    expect(deliveries).to_have_count(1)
    expect(deliveries).to_contain_text("dal voucher 45,00")
    walk.look("prestazione")

    page.get_by_role("button", name="Storna").click()  # no reason: refused, nothing moves
    expect(page.locator("#prestazioni .alert-danger")).to_be_visible()
    walk.look("storno-errore")
    page.get_by_label("Perché la correggi").fill("Registrata due volte per errore")
    page.get_by_role("button", name="Storna").click()
    expect(page.get_by_text("Prestazione stornata: l'importo torna sul voucher.")).to_be_visible()
    expect(page.locator("main dl")).to_contain_text("300,00")
    expect(deliveries).to_have_count(2)
    expect(page.get_by_role("button", name="Storna")).to_have_count(0)
    walk.look("stornata")

    page.get_by_role("link", name="Voucher da erogare").first.click()
    expect(page.locator("main")).to_contain_text("storno")
    walk.look("da-erogare-dopo")
    page.context.close()
    assert ledger_problems(district) == []


# -- 4. the desk -----------------------------------------------------------------------------------


def test_the_desk_finds_the_person_and_prints_the_voucher(
    browser, viewport, live, mail_app, a11y, tmp_path
):
    from pypdf import PdfReader

    district = _district(mail_app, f"sportello-{viewport}")
    _voucher_id, code = _issued(district)
    walk = _walk(browser, a11y, viewport, tmp_path, "sportello")
    page = walk.page
    walk.sign_in(live, district.host, district.people["operator"])
    page.goto(live.url(district.host, "/admin/"))
    walk.look("admin")
    page.get_by_role("link", name="Voucher di una persona").click()
    walk.look("cerca")
    search = page.get_by_label("E-mail, telefono o codice fiscale")
    search.fill("nessuno@esempio.it")
    search.press("Enter")
    expect(page.get_by_text("Nessuna persona registrata con questi dati.")).to_be_visible()
    walk.look("nessuno")
    search.fill(district.people["citizen"])
    page.get_by_role("button", name="Cerca").click()
    expect(page.get_by_role("heading", name="Maria Bianchi")).to_be_visible()
    expect(page.locator("main li")).to_contain_text("restano 300,00")
    walk.look("trovata")

    printable = page.get_by_role("link", name=f"stampa {code}")
    status, headers, pdf = _fetch(page, printable.get_attribute("href"))
    assert status == 200
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"] == f'inline; filename="voucher-{code}.pdf"'
    assert pdf.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)
    assert code in text and "Maria Bianchi" in text and "300,00" in text

    page.get_by_role("link", name=code, exact=True).click()
    expect(page.get_by_role("heading", name=f"Voucher {code}")).to_be_visible()
    expect(page.get_by_text("Motivo (riservato)")).to_have_count(0)  # not the desk's to read
    walk.look("voucher")
    button = page.get_by_role("link", name="Stampa il voucher (PDF con codice QR)")
    status, _headers, again = _fetch(page, button.get_attribute("href"))
    assert status == 200 and again.startswith(b"%PDF")
    page.context.close()


# -- defects found on these pages (reported; each test passes once it is fixed) -------------------


def _menu_contrast(page) -> list[tuple[str, float]]:
    return page.evaluate(
        f"""(() => {{ const measure = {RENDERED_CONTRAST};
        return [...document.querySelectorAll('header nav .nav-link')]
          .map((e) => [e.innerText.trim(), measure(e)[0]]); }})()"""
    )


def test_on_a_phone_the_citizen_can_read_il_mio_borsellino_in_the_menu(browser, live, mail_app):
    district = _district(mail_app, "menu")
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="it-IT")
    page = context.new_page()
    sign_in(page, live, district.host, district.people["citizen"])
    page.goto(live.url(district.host, "/il-mio-borsellino"))
    menu = dict(_menu_contrast(page))
    context.close()
    assert "Il mio borsellino" in menu
    assert min(menu.values()) >= AA_NORMAL_TEXT, menu


def _refused_reversal(browser, live, mail_app, label: str):
    """The cooperative's voucher page after «Storna» was sent without a reason, on a phone."""
    district = _district(mail_app, label)
    voucher_id, _code = _issued(district)
    delivery_id = deliver(district, voucher_id, cost_cents=4_500)
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="it-IT")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live, district.host, district.people["cooperative_staff"])
    cooperative = district.ids["girasole"]
    page.goto(
        live.url(district.host, f"/admin/voucher/cooperativa/{cooperative}/voucher/{voucher_id}")
    )
    page.get_by_role("button", name="Storna").click()
    expect(page.locator("#prestazioni .alert-danger")).to_be_visible()
    return district, context, page, delivery_id


def test_after_a_refused_reversal_the_delivery_form_still_records(browser, live, mail_app):
    district, context, page, _delivery = _refused_reversal(browser, live, mail_app, "storno-form")
    page.get_by_label("Data della prestazione").fill(today_of(district).isoformat())
    page.get_by_label("Costo della prestazione in euro").fill("20,00")
    page.get_by_role("button", name="Registra", exact=True).click()
    page.wait_for_load_state("load")
    recorded = page.get_by_text("Prestazione registrata: 20,00").count()
    context.close()
    assert recorded == 1


def test_a_refused_reversal_marks_the_reason_of_that_delivery(browser, live, mail_app):
    _, context, page, delivery = _refused_reversal(browser, live, mail_app, "storno-campo")
    field = page.locator(f"#reason-{delivery}")
    invalid, described = (
        field.get_attribute("aria-invalid"),
        field.get_attribute("aria-describedby"),
    )
    message = page.locator(f"#{described}").inner_text() if described else ""
    context.close()
    assert invalid == "true"
    assert "Campo obbligatorio" in message
