"""What a person told the operator is ciphertext in the district's database, under a key of
that district alone, looked up from the tenant bound when the value is written or read."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy_utils.types.encrypted.encrypted_type import InvalidCiphertextError

from condiviso.extensions import db
from condiviso.tenancy import NoTenantBound, tenant_context
from plugins.care_plans.encryption import tenant_key
from plugins.care_plans.models import CarePlan, Intake
from tests.care_plans.fixtures import NEEDS, build_district, record_intake, start_plan


@pytest.fixture(scope="module")
def districts(app):
    return build_district(app, "cura-cifra-a"), build_district(app, "cura-cifra-b")


def _raw(district, sql: str, record_id: int) -> tuple:
    """Columns as the database holds them (plain SQL: no type decodes them)."""
    with district.app.app_context(), tenant_context(district.slug):
        return tuple(db.session.execute(sa.text(sql), {"id": record_id}).one())


def test_intake_and_plan_text_is_ciphertext_at_rest(districts):
    district, _ = districts
    intake_id = record_intake(district)
    plan_id = start_plan(district)
    needs, notes = _raw(
        district, "SELECT needs, notes FROM care_plans_intake WHERE id = :id", intake_id
    )
    goals, plan_notes = _raw(
        district, "SELECT goals, notes FROM care_plans_plan WHERE id = :id", plan_id
    )
    for stored in (needs, notes, goals, plan_notes):
        assert stored and len(stored) > 40
        for secret in (
            "Diabete",
            "Segreto",
            "discrezione",
            "Uscire di casa",
            "riservata",
            '"level"',
        ):
            assert secret not in stored
    with district.app.app_context(), tenant_context(district.slug):
        assert "Diabete" in db.session.get(Intake, intake_id).needs
        assert db.session.get(Intake, intake_id).notes == NEEDS["notes"]
        assert "Uscire di casa" in db.session.get(CarePlan, plan_id).goals


def test_each_district_has_its_own_key_and_cannot_read_anothers_text(districts, app):
    a, b = districts
    intake_id = record_intake(a)
    (ciphertext,) = _raw(a, "SELECT notes FROM care_plans_intake WHERE id = :id", intake_id)
    sealed = Intake.__table__.c.notes.type
    with app.app_context():
        with tenant_context(a.slug):
            key_a = tenant_key()
            assert sealed.process_result_value(ciphertext, None) == NEEDS["notes"]
        with tenant_context(b.slug):
            assert tenant_key() != key_a
            with pytest.raises(InvalidCiphertextError):
                sealed.process_result_value(ciphertext, None)
            # The same plain text written for B is a different ciphertext B alone can read.
            mine = sealed.process_bind_param(NEEDS["notes"], None)
            assert mine != ciphertext
        with tenant_context(a.slug), pytest.raises(InvalidCiphertextError):
            sealed.process_result_value(mine, None)


def test_no_key_without_a_tenant(app):
    with app.app_context(), pytest.raises(NoTenantBound):
        tenant_key()
    with app.app_context(), pytest.raises(NoTenantBound):
        Intake.__table__.c.notes.type.process_bind_param("testo", None)


def test_each_thread_has_its_own_cipher(districts):
    """Two threads serving two districts never share the cipher whose key is set per use."""
    sealed = Intake.__table__.c.notes.type
    seen = []
    thread = threading.Thread(target=lambda: seen.append(sealed.engine))
    thread.start()
    thread.join()
    assert seen[0] is not sealed.engine
    assert sealed.engine is sealed.engine
