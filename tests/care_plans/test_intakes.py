"""Intake conversations: the operator records and edits them through the pages; every staff read
and change leaves an audit row naming who, about whom and what; bad input changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from condiviso.audit.models import AccessAudit
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.care_plans.models import Intake, Level
from tests.care_plans.fixtures import NEEDS, build_district, in_days, post_on, record_intake


@pytest.fixture(scope="module")
def district(app):
    return build_district(app, "cura-colloqui")


def _audit(district, record_type: str, record_id: int) -> list[tuple[str, int | None, int | None]]:
    with district.app.app_context(), tenant_context(district.slug):
        rows = db.session.scalars(
            sa.select(AccessAudit)
            .where(AccessAudit.record_type == record_type, AccessAudit.record_id == str(record_id))
            .order_by(AccessAudit.id)
        ).all()
        return [(r.action, r.actor_user_id, r.subject_user_id) for r in rows]


def _intakes(district) -> list[Intake]:
    with district.app.app_context(), tenant_context(district.slug):
        # Columns are decrypted as rows load, while the district is bound.
        rows = db.session.scalars(sa.select(Intake).order_by(Intake.id)).all()
        db.session.expunge_all()
        return list(rows)


def test_operator_records_reads_and_edits_an_intake_each_step_audited(district):
    operator = district.client("operator")
    citizen_id, operator_id = district.ids["citizen"], district.ids["operator"]
    found = operator.get("/admin/piani", query_string={"q": "bianchi maria"})
    assert f"/admin/piani/persone/{citizen_id}" in found.text
    assert "Giulia Verdi" not in found.text

    intake_id = record_intake(district, operator)
    intake = next(i for i in _intakes(district) if i.id == intake_id)
    levels = {need.area.value: need.level for need in intake.need_list}
    assert levels["salute"] is Level.HIGH and levels["lavoro"] is Level.NONE
    assert intake.citizen_user_id == citizen_id and intake.operator_user_id == operator_id

    page = operator.get(f"/admin/piani/colloqui/{intake_id}")
    assert page.status_code == 200 and "Diabete, difficoltà a camminare" in page.text
    changed = post_on(
        operator,
        f"/admin/piani/colloqui/{intake_id}",
        f"/admin/piani/colloqui/{intake_id}",
        {**NEEDS, "held_on": in_days(0).isoformat(), "level_casa": "alto", "notes_casa": "Sfratto"},
    )
    assert changed.status_code == 302
    assert "Sfratto" in operator.get(f"/admin/piani/colloqui/{intake_id}").text

    actions = _audit(district, "care_plans.intake", intake_id)
    assert {a for a, _, _ in actions} == {"create", "read", "update"}
    assert all(actor == operator_id and subject == citizen_id for _, actor, subject in actions)

    admin = district.client("admin")
    assert admin.get(f"/admin/piani/persone/{citizen_id}").status_code == 200
    assert "Sfratto" in admin.get(f"/admin/piani/colloqui/{intake_id}").text
    admin_reads = [
        a for a in _audit(district, "care_plans.intake", intake_id) if a[1] == district.ids["admin"]
    ]
    assert admin_reads == [("read", district.ids["admin"], citizen_id)]
    assert _audit(district, "care_plans.file", citizen_id)[-1] == (
        "read",
        district.ids["admin"],
        citizen_id,
    )


BAD_INTAKES = [
    ({"held_on": "2025-02-30"}, "held_on", "Data non valida"),
    ({"held_on": "domani"}, "held_on", "Data non valida"),
    ({"held_on": ""}, "held_on", "Indica la data"),
    ({"held_on": in_days(3).isoformat()}, "held_on", "La data deve essere tra"),
    ({"level_salute": "altissimo"}, "level_salute", "Scegli un livello"),
    ({"notes": "x" * 5001}, "notes", "Al massimo 5000 caratteri"),
    ({"notes_casa": "x" * 1001}, "notes_casa", "Al massimo 1000 caratteri"),
    ({"notes": "testo\x00con\x1bcontrollo"}, "notes", "senza caratteri di controllo"),
    ({"notes_famiglia": "a\x7fb"}, "notes_famiglia", "senza caratteri di controllo"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_INTAKES)
def test_bad_intake_input_is_refused_and_nothing_is_saved(district, changes, field, message):
    operator = district.client("operator")
    page = f"/admin/piani/persone/{district.ids['citizen']}/colloqui/nuovo"
    before = len(_intakes(district))
    response = post_on(
        operator, page, page, {**NEEDS, "held_on": in_days(0).isoformat(), **changes}
    )
    assert response.status_code == 400
    assert message in response.text and f'id="{field}-error"' in response.text
    assert len(_intakes(district)) == before


def test_a_bad_edit_keeps_the_intake_as_it_was(district):
    operator = district.client("operator")
    intake_id = record_intake(district, operator)
    path = f"/admin/piani/colloqui/{intake_id}"
    response = post_on(operator, path, path, {**NEEDS, "held_on": "x", "notes": "cambiata"})
    assert response.status_code == 400
    intake = next(i for i in _intakes(district) if i.id == intake_id)
    assert intake.notes == NEEDS["notes"]
    assert "update" not in {a for a, _, _ in _audit(district, "care_plans.intake", intake_id)}


def test_an_expired_form_saves_nothing(district):
    operator = district.client("operator")
    path = f"/admin/piani/persone/{district.ids['citizen']}/colloqui/nuovo"
    before = len(_intakes(district))
    response = operator.post(path, data={**NEEDS, "held_on": in_days(0).isoformat()})
    assert response.status_code == 400 and "Il modulo è scaduto" in response.text
    assert len(_intakes(district)) == before


def test_citizen_search_by_email_codice_fiscale_and_phone(district):
    from condiviso.accounts.models import User

    with district.app.app_context(), tenant_context(district.slug):
        user = db.session.get(User, district.ids["other_citizen"])
        user.codice_fiscale = "VRDGLI80A41L319X"
        user.phone = "+393331234567"
        db.session.commit()
    operator = district.client("operator")
    target = f"/admin/piani/persone/{district.ids['other_citizen']}"

    def finds(query: str) -> bool:
        return target in operator.get("/admin/piani", query_string={"q": query}).text

    assert finds("Giulia")
    assert finds(district.people["other_citizen"].split("@")[0])
    assert finds("vrdgli80a41l319x")
    assert finds("333 123 4567") and finds("+39 333 1234567")
    assert not finds("333 000 0000")
    assert not finds(district.people["operator"])  # staff are not citizens
    assert not finds("%") and not finds("_")
    assert operator.get(f"/admin/piani/persone/{district.ids['operator']}").status_code == 404
