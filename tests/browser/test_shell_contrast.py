"""Every link and button of the header and the footer is readable as rendered: its text against
the background really behind it (walking up to the first opaque ancestor, the district's colour
included), at 4.5:1 or more (WCAG 2.1 AA, normal text), normal, hovered and focused; on a phone
and a desktop, in Italian and in English, signed out and signed in, for the default colour and
the extremes that the branding plugin's contrast check accepts."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from condiviso.plugins import enablement
from plugins.branding.contrast import AA_NORMAL_TEXT, contrast_ratio
from plugins.branding.schemas import DEFAULT_PRIMARY_COLOR, BrandingSettings
from tests.browser.conftest import VIEWPORTS
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import ACTOR, comune, provision
from tests.people import PASSWORD, make_user

RENDERED_CONTRAST = (Path(__file__).parent / "contrast.js").read_text()
# The darkest colour there is, the lightest grey and the lightest green the check accepts (each
# a step lighter is refused), and the default.
DARKEST = "#000000"
LIGHTEST = ("#767676", "#008a00")
COLOURS = (DEFAULT_PRIMARY_COLOR, DARKEST, *LIGHTEST)
CONTROLS = "header a, header button, footer a, footer button"
BRANDING = {
    "footer_links": [{"label": "Comune di Tradate", "url": "https://www.comune.tradate.va.it"}],
    "contacts": {"email": "ufficio@prova.example", "phone": "+39 0331 000000"},
}


def test_the_colours_are_the_extremes_the_contrast_check_accepts():
    schema = BrandingSettings()
    for colour in COLOURS:
        assert schema.validate({"primary_color": colour}) == {}, colour
    for colour in LIGHTEST:
        assert contrast_ratio(colour, "#ffffff") < AA_NORMAL_TEXT + 0.05
        one_step_lighter = "#" + "".join(
            f"{min(int(colour[i : i + 2], 16) + (1 if colour[i : i + 2] != '00' else 0), 255):02x}"
            for i in (1, 3, 5)
        )
        assert "primary_color" in schema.validate({"primary_color": one_step_lighter})


# Each visible control: [its text or address, ratio, foreground, background].
MEASURE_ALL = f"""(() => {{
  const measure = {RENDERED_CONTRAST};
  return [...document.querySelectorAll("{CONTROLS}")]
    .filter((element) => element.getClientRects().length > 0)
    .map((element) => [element.innerText.trim() || element.getAttribute("href"),
                       ...measure(element)]);
}})()"""
# Hover and focus forced through the DevTools protocol, as the browser's own inspector does: the
# computed style is then exactly the state's, with no pointer or transition in the way.
STATES = {"normal": [], "hover": ["hover"], "focus": ["focus", "focus-visible"]}


def _measure(page, cdp, where: str) -> list[str]:
    """Each control's contrast in each state; the failures, described."""
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    document = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    nodes = cdp.send("DOM.querySelectorAll", {"nodeId": document, "selector": CONTROLS})["nodeIds"]
    assert len(nodes) >= 8, f"{where}: only {len(nodes)} controls found"
    failures = []
    for state, pseudo_classes in STATES.items():
        for node in nodes:
            cdp.send(
                "CSS.forcePseudoState", {"nodeId": node, "forcedPseudoClasses": pseudo_classes}
            )
        for name, ratio, foreground, background in page.evaluate(MEASURE_ALL):
            if ratio < AA_NORMAL_TEXT:
                failures.append(
                    f"{where}: «{name}» {state}: {foreground} on {background} = {ratio:.2f}:1"
                )
    return failures


@pytest.mark.parametrize("locale", ["it", "en"])
def test_header_and_footer_controls_are_readable(browser, live, mail_app, viewport, locale):
    slug = f"web-contrasto-{uuid.uuid4().hex[:6]}"
    provision(
        mail_app,
        slug,
        "Ambito di prova per il contrasto",
        plugins={"branding": BRANDING},
        comuni=[comune("012127", "Tradate", is_lead=True)],
    )
    email = f"lucia-{uuid.uuid4().hex[:6]}@esempio.it"
    make_user(mail_app, slug, email, "citizen", full_name="Lucia Verdi")
    host = f"{slug}.{PLATFORM_DOMAIN}"
    # Reduced motion: Bootstrap's buttons then change colour at once instead of over 0.15 s, so
    # what is measured is the state's own colour.
    context = browser.new_context(
        viewport=VIEWPORTS[viewport], locale="it-IT", reduced_motion="reduce"
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    page.goto(live.url(host, f"/lingua/{locale}?next=/"))
    failures = []
    for signed_in in (False, True):
        if signed_in:
            page.goto(live.url(host, "/accedi"))
            page.locator("input[name=email]").fill(email)
            page.locator("input[name=password]").fill(PASSWORD)
            page.locator("form button[type=submit]").last.click()
            page.goto(live.url(host, f"/lingua/{locale}?next=/"))
        for colour in COLOURS:
            with mail_app.app_context():
                settings = {**BRANDING, "primary_color": colour}
                enablement.set_plugin(slug, "branding", ACTOR, True, settings)
            page.goto(live.url(host))
            assert page.locator("html").get_attribute("lang") == locale
            theme = page.evaluate(
                "getComputedStyle(document.querySelector('.it-header-center-wrapper'))"
                ".backgroundColor"
            )
            red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
            assert theme == f"rgb({red}, {green}, {blue})", "the district's colour is not applied"
            account = "signed in" if signed_in else "signed out"
            failures += _measure(page, cdp, f"{viewport} {locale} {colour} {account}")
    context.close()
    assert failures == [], "\n".join(failures)
