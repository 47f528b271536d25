"""The service network's pages in a real browser, on a phone and on a desktop, with axe-core on
each: zero WCAG 2.1 A/AA violations and no sideways scrolling at 360 px, with errors shown."""

from __future__ import annotations

import uuid
from datetime import date

from condiviso.extensions import db
from plugins.cooperatives import services
from tests.conftest import PLATFORM_DOMAIN
from tests.cooperatives.conftest import COMUNI, IVA_A, comune_ids, inside
from tests.districts import provision
from tests.people import PASSWORD, make_user

# The column headings that take more than one line (a phone once broke them letter by letter).
BROKEN_HEADINGS = """() => [...document.querySelectorAll('main thead th')]
  .filter(th => {
    const style = getComputedStyle(th);
    const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    return th.textContent.trim()
      && th.getBoundingClientRect().height > 1.6 * parseFloat(style.lineHeight) + padding;
  })
  .map(th => th.textContent.trim())"""


def _check(page, a11y, phone: bool) -> None:
    a11y.check(page)
    if phone:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 360px"
        assert page.evaluate(BROKEN_HEADINGS) == [], f"{page.url}: headings broken at 360px"


def test_the_admin_pages_are_accessible(page, viewport, live, mail_app, a11y):
    slug = f"web-rete-{uuid.uuid4().hex[:6]}"
    district = provision(
        mail_app, slug, "Ambito di prova (rete)", plugins={"cooperatives": {}}, comuni=COMUNI
    )
    comuni = comune_ids(mail_app, district)
    with inside(mail_app, district):
        cooperative = services.create_cooperative(
            {
                "slug": "coop-con-un-nome-molto-lungo",
                "legal_name": "Cooperativa Sociale con un nome molto lungo (dato di esempio)",
                "tax_code": IVA_A,
                "comuni": list(comuni.values()),
            }
        )
        category = services.create_category({"slug": "anziani", "name": "Anziani"})
        accreditation = services.create_accreditation(
            {
                "cooperative_id": cooperative.id,
                "category_id": category.id,
                "comune_id": comuni["012136"],
                "valid_from": date(2025, 1, 1),
                "valid_to": date(2027, 12, 31),
            }
        )
        db.session.commit()
        ids = cooperative.id, category.id, accreditation.id
    email = f"admin-{uuid.uuid4().hex[:6]}@esempio.it"
    make_user(mail_app, slug, email, "district_admin")
    host = f"{slug}.{PLATFORM_DOMAIN}"
    phone = viewport == "phone"

    page.goto(live.url(host, "/accedi"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    for path in (
        "/admin/",
        "/admin/cooperative",
        f"/admin/cooperative/{ids[0]}",
        "/admin/categorie",
        f"/admin/categorie/{ids[1]}",
        "/admin/accreditamenti",
        f"/admin/accreditamenti/{ids[2]}",
    ):
        response = page.goto(live.url(host, path))
        assert response is not None and response.status == 200, path
        _check(page, a11y, phone)

    page.goto(live.url(host, "/admin/cooperative/nuova"))
    page.get_by_label("Partita IVA o codice fiscale").fill("01234567897")
    page.get_by_role("button", name="Salva").click()
    assert page.get_by_text("La partita IVA non è valida").first.is_visible()
    _check(page, a11y, phone)

    page.goto(live.url(host, "/admin/accreditamenti/nuovo"))
    page.get_by_label("Valido dal").fill("2026-05-01")
    page.get_by_label("Valido fino al").fill("2026-04-30")
    page.get_by_role("button", name="Salva").click()
    assert page.get_by_text("La fine della validità non può precedere l'inizio.").first.is_visible()
    _check(page, a11y, phone)
