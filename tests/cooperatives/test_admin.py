"""The district admin's pages for cooperatives, categories and accreditations: through the
real forms, with CSRF; refused input answers 400 with the errors on the fields and changes
nothing; every page passes the markup checks of WCAG 2.1 AA."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest

from condiviso import clock
from condiviso.extensions import db
from plugins.cooperatives import services
from tests.accounts.flows import post_form
from tests.cooperatives.conftest import (
    CODICE_FISCALE,
    IVA_A,
    IVA_B,
    IVA_C,
    comune_ids,
    inside,
    network_rows,
)
from tests.cooperatives.markup import accessibility_problems, described_by


def _cooperative(**fields):
    return {
        "legal_name": "Cooperativa Sociale Aurora (dato di esempio)",
        "slug": "coop-aurora",
        "tax_code": IVA_A,
        "active": "y",
        **fields,
    }


def _saved_cooperatives(app, district):
    with inside(app, district):
        return {
            c.slug: (
                c.legal_name,
                c.short_name,
                c.tax_code,
                c.email,
                c.active,
                c.website,
                [m.istat_code for m in c.comuni],
            )
            for c in services.cooperatives(active_only=False)
        }


def test_a_cooperative_is_added_listed_and_edited(app, district, admin):
    comuni = comune_ids(app, district)
    added = post_form(
        admin,
        "/admin/cooperative/nuova",
        _cooperative(
            email="Info@Aurora.Example.org",
            website="https://aurora.example.org",
            comuni=[str(comuni["012127"]), str(comuni["012044"])],
        ),
    )
    assert added.status_code == 302 and added.headers["Location"] == "/admin/cooperative"
    assert _saved_cooperatives(app, district) == {
        "coop-aurora": (
            "Cooperativa Sociale Aurora (dato di esempio)",
            None,
            IVA_A,
            "info@aurora.example.org",
            True,
            "https://aurora.example.org",
            ["012044", "012127"],
        )
    }
    listing = admin.get("/admin/cooperative").text
    assert "Cooperativa Sociale Aurora" in listing and "Castelseprio, Tradate" in listing

    with inside(app, district):
        cooperative_id = services.cooperative_by_slug("coop-aurora").id
    page = admin.get(f"/admin/cooperative/{cooperative_id}").text
    assert f'<option selected value="{comuni["012044"]}">' in page
    assert f'<option value="{comuni["012136"]}">' in page
    saved = post_form(
        admin,
        f"/admin/cooperative/{cooperative_id}",
        _cooperative(
            short_name="Aurora",
            tax_code=CODICE_FISCALE,
            email="",
            website="",
            comuni=[str(comuni["012136"])],
            active="",
        ),
    )
    assert saved.status_code == 302
    assert _saved_cooperatives(app, district)["coop-aurora"] == (
        "Cooperativa Sociale Aurora (dato di esempio)",
        "Aurora",
        CODICE_FISCALE,
        None,
        False,
        None,
        ["012136"],
    )
    assert "Non attiva" in admin.get("/admin/cooperative").text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"tax_code": "01234567897"}, "tax_code", "La partita IVA non è valida"),
        ({"tax_code": CODICE_FISCALE[:-1] + "X"}, "tax_code", "Il codice fiscale non è valido"),
        ({"tax_code": IVA_B}, "tax_code", "Un'altra cooperativa ha già questa partita IVA"),
        ({"slug": "coop-prima"}, "slug", "Un'altra cooperativa ha già questo identificativo."),
        ({"slug": "Coop Aurora"}, "slug", "Usa solo lettere minuscole"),
        ({"comuni": ["999999"]}, "comuni", "Scegli i comuni dall'elenco"),
        ({"website": "javascript:alert(1)"}, "website", "inizia con https://"),
        ({"email": "info@"}, "email", "Indirizzo e-mail non valido."),
        ({"legal_name": ""}, "legal_name", "Scrivi la ragione sociale."),
    ],
)
def test_invalid_cooperatives_are_refused_on_their_field(
    app, district, admin, fields, field, message
):
    with inside(app, district):
        services.create_cooperative(
            {"slug": "coop-prima", "legal_name": "Prima (dato di esempio)", "tax_code": IVA_B}
        )
        second = services.create_cooperative(
            {"slug": "coop-seconda", "legal_name": "Seconda (dato di esempio)", "tax_code": IVA_C}
        )
        db.session.commit()
        second_id = second.id
    before = network_rows(app, district)
    for path in ("/admin/cooperative/nuova", f"/admin/cooperative/{second_id}"):
        refused = post_form(admin, path, _cooperative(**fields))
        assert refused.status_code == 400, (path, fields)
        assert message in html.unescape(refused.text)
        assert f"{field}-error" in described_by(refused.text, field)
        assert f'<div id="{field}-error" class="invalid-feedback d-block">' in refused.text
        assert accessibility_problems(refused.text) == []
    assert network_rows(app, district) == before


def test_an_expired_form_changes_nothing(app, district, admin):
    before = network_rows(app, district)
    response = admin.post("/admin/cooperative/nuova", data=_cooperative(csrf_token="x"))
    assert response.status_code == 400
    assert "Il modulo è scaduto" in response.text
    assert network_rows(app, district) == before


def test_categories_are_added_edited_and_checked(app, district, admin):
    added = post_form(
        admin,
        "/admin/categorie/nuova",
        {
            "name": "Famiglia e minori",
            "name_en": "Families and children",
            "slug": "famiglia-e-minori",
            "icon": "it-user",
            "position": "1",
        },
    )
    assert added.status_code == 302
    post_form(admin, "/admin/categorie/nuova", {"name": "Anziani", "slug": "anziani"})
    with inside(app, district):
        rows = [(c.slug, c.name_en, c.icon, c.position) for c in services.categories()]
        families = services.category_by_slug("famiglia-e-minori").id
    assert rows == [
        ("anziani", None, None, 0),
        ("famiglia-e-minori", "Families and children", "it-user", 1),
    ]
    listing = admin.get("/admin/categorie").text
    assert listing.index("Anziani") < listing.index("Famiglia e minori")

    before = network_rows(app, district)
    for data, message in [
        ({"name": "Doppia", "slug": "anziani"}, "Un'altra categoria ha già questo"),
        ({"name": "X", "slug": "Con Spazi"}, "Usa solo lettere minuscole"),
        ({"name": "X", "slug": "x", "position": "-1"}, "Indica un numero da 0 a 9999."),
        ({"name": "", "slug": "x"}, "Scrivi il nome della categoria."),
        # A Bootstrap Italia icon that the served sprite sheet does not hold would show nothing.
        ({"name": "X", "slug": "x", "icon": "it-android"}, "Scegli una di queste icone"),
    ]:
        refused = post_form(admin, "/admin/categorie/nuova", data)
        assert refused.status_code == 400 and message in html.unescape(refused.text), data
    refused = post_form(admin, f"/admin/categorie/{families}", {"name": "F", "slug": "anziani"})
    assert refused.status_code == 400
    assert network_rows(app, district) == before

    saved = post_form(
        admin,
        f"/admin/categorie/{families}",
        {"name": "Famiglie", "slug": "famiglie", "name_en": "", "icon": "it-user"},
    )
    assert saved.status_code == 302
    with inside(app, district):
        category = services.category(families)
        saved_fields = (category.name, category.slug, category.name_en, category.icon)
        assert saved_fields == ("Famiglie", "famiglie", None, "it-user")
        assert category.position == 1


def _accreditations_page_states(admin) -> list[str]:
    text = admin.get("/admin/accreditamenti").text
    return [s for s in ("In vigore", "Scaduto", "Non ancora in vigore") if f"<td>{s}</td>" in text]


def test_accreditations_are_recorded_shown_with_their_state_and_ended(app, district, admin):
    comuni = comune_ids(app, district)
    with inside(app, district):
        cooperative = services.create_cooperative(
            {"slug": "coop-a", "legal_name": "Coop A (dato di esempio)", "tax_code": IVA_A}
        ).id
        category = services.create_category({"slug": "anziani", "name": "Anziani"}).id
        db.session.commit()
        today = clock.today()
    base = {"cooperative_id": str(cooperative), "category_id": str(category)}
    for comune, start, end in [
        ("012127", today - timedelta(days=10), ""),
        ("012044", today - timedelta(days=400), today - timedelta(days=1)),
        ("012136", today + timedelta(days=5), ""),
    ]:
        data = {**base, "comune_id": str(comuni[comune]), "valid_from": start.isoformat()}
        recorded = post_form(admin, "/admin/accreditamenti/nuovo", {**data, "valid_to": str(end)})
        assert recorded.status_code == 302
    assert _accreditations_page_states(admin) == ["In vigore", "Scaduto", "Non ancora in vigore"]

    with inside(app, district):
        assert services.accredited_comuni(cooperative, category) == {comuni["012127"]}
        current = services.find_accreditation(
            cooperative, comuni["012127"], category, today - timedelta(days=10)
        ).id
    page = admin.get(f"/admin/accreditamenti/{current}").text
    assert "Stato oggi: In vigore." in page
    ended = post_form(
        admin,
        f"/admin/accreditamenti/{current}",
        {
            **base,
            "comune_id": str(comuni["012127"]),
            "valid_from": (today - timedelta(days=10)).isoformat(),
            "valid_to": (today - timedelta(days=1)).isoformat(),
            "notes": "Determina n. 12 (dato di esempio)",
        },
    )
    assert ended.status_code == 302
    assert _accreditations_page_states(admin) == ["Scaduto", "Non ancora in vigore"]
    with inside(app, district):
        assert services.accredited_comuni(cooperative, category) == set()
        assert not services.is_accredited(cooperative, category, comuni["012127"])

    before = network_rows(app, district)
    for data, field, message in [
        (
            {
                **base,
                "comune_id": str(comuni["012127"]),
                "valid_from": "2026-05-01",
                "valid_to": "2026-04-30",
            },
            "valid_to",
            "La fine della validità non può precedere l'inizio.",
        ),
        (
            {**base, "comune_id": "999999", "valid_from": "2026-05-01"},
            "comune_id",
            "Scegli il comune dall'elenco.",
        ),
        (
            {**base, "comune_id": str(comuni["012127"]), "valid_from": "1 maggio"},
            "valid_from",
            "Indica la data di inizio nel formato AAAA-MM-GG.",
        ),
    ]:
        for path in ("/admin/accreditamenti/nuovo", f"/admin/accreditamenti/{current}"):
            refused = post_form(admin, path, data)
            assert refused.status_code == 400, (path, data)
            assert message in html.unescape(refused.text)
            assert f"{field}-error" in described_by(refused.text, field)
    assert network_rows(app, district) == before


def test_records_that_do_not_exist_are_not_found(admin):
    for path in ("/admin/cooperative/999", "/admin/categorie/999", "/admin/accreditamenti/999"):
        assert admin.get(path).status_code == 404, path


def test_every_page_passes_the_markup_checks(app, district, admin):
    comuni = comune_ids(app, district)
    with inside(app, district):
        cooperative = services.create_cooperative(
            {
                "slug": "coop-a",
                "legal_name": "Coop A (dato di esempio)",
                "tax_code": IVA_A,
                "comuni": [comuni["012127"]],
            }
        )
        category = services.create_category({"slug": "anziani", "name": "Anziani"})
        accreditation = services.create_accreditation(
            {
                "cooperative_id": cooperative.id,
                "category_id": category.id,
                "comune_id": comuni["012127"],
                "valid_from": date(2025, 1, 1),
            }
        )
        db.session.commit()
        ids = (cooperative.id, category.id, accreditation.id)
    pages = [
        "/admin/cooperative",
        "/admin/cooperative/nuova",
        f"/admin/cooperative/{ids[0]}",
        "/admin/categorie",
        "/admin/categorie/nuova",
        f"/admin/categorie/{ids[1]}",
        "/admin/accreditamenti",
        "/admin/accreditamenti/nuovo",
        f"/admin/accreditamenti/{ids[2]}",
    ]
    for path in pages:
        response = admin.get(path)
        assert response.status_code == 200, path
        assert accessibility_problems(response.text) == [], path
        assert "<table" not in response.text or "<caption" in response.text, path
    for path in pages[1::3] + pages[2::3]:
        refused = post_form(admin, path, {"legal_name": "", "name": "", "valid_from": ""})
        assert refused.status_code == 400, path
        assert 'role="alert"' in refused.text and 'aria-invalid="true"' in refused.text
        assert accessibility_problems(refused.text) == [], path
    assert network_rows(app, district)["cooperatives_cooperative"]


def test_the_admin_home_links_the_three_pages(admin):
    home = admin.get("/admin/").text
    for path in ("/admin/cooperative", "/admin/categorie", "/admin/accreditamenti"):
        assert f'href="{path}"' in home, path
