"""Malformed, oversized and hostile data posted to every form of the plugin, as the district
admin: never a 500, and invalid data changes nothing (the suite-wide test does the same for
the core's forms on a district without this plugin)."""

from __future__ import annotations

from datetime import date

from condiviso.extensions import db
from plugins.cooperatives import services
from tests.clients import csrf_token
from tests.cooperatives.conftest import IVA_A, comune_ids, inside, network_rows
from tests.hostile import FORM_FIELD, payloads

FORMS = [
    "/admin/cooperative/nuova",
    "/admin/cooperative/1",
    "/admin/categorie/nuova",
    "/admin/categorie/1",
    "/admin/accreditamenti/nuovo",
    "/admin/accreditamenti/1",
    "/admin/cooperative/99999999999999999999",
]


def test_no_form_answers_500_or_changes_anything_on_invalid_data(app, district, admin):
    comuni = comune_ids(app, district)
    with inside(app, district):
        cooperative = services.create_cooperative(
            {"slug": "coop-a", "legal_name": "Coop A", "tax_code": IVA_A}
        )
        category = services.create_category({"slug": "anziani", "name": "Anziani"})
        services.create_accreditation(
            {
                "cooperative_id": cooperative.id,
                "category_id": category.id,
                "comune_id": comuni["012127"],
                "valid_from": date(2025, 1, 1),
            }
        )
        db.session.commit()
    exercised = 0
    for path in FORMS:
        page = admin.get(path)
        fields = set(FORM_FIELD.findall(page.text)) if page.status_code == 200 else set()
        token = csrf_token(page.text) if "csrf_token" in page.text else "none"
        for data, must_not_change in payloads(fields, token, button=False):
            before = network_rows(app, district) if must_not_change else None
            response = admin.post(path, data=data)
            assert response.status_code < 500, (path, response.status_code, repr(data)[:80])
            if must_not_change:
                assert network_rows(app, district) == before, (path, repr(data)[:80])
            exercised += 1
    assert exercised > 50
