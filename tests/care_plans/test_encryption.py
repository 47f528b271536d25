"""What a person told the operator is ciphertext in the district's database, under a key of
that district alone (from the data-encryption key ring, never from SECRET_KEY), looked up from
the tenant bound when the value is written or read."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from condiviso.encryption.sealed import UnreadableValue, data_key, stored_version
from condiviso.extensions import db
from condiviso.tenancy import NoTenantBound, tenant_context
from plugins.care_plans.models import SEALED_PURPOSE, CarePlan, Intake
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
        # Written under the newest (here the only) key of the ring, and tagged with it.
        assert stored.startswith("v1:") and stored_version(stored) == 1
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
        with tenant_context(a.slug) as tenant_a:
            key_a = data_key(SEALED_PURPOSE, tenant_a.id, 1)
            assert sealed.process_result_value(ciphertext, None) == NEEDS["notes"]
        with tenant_context(b.slug) as tenant_b:
            assert data_key(SEALED_PURPOSE, tenant_b.id, 1) != key_a
            with pytest.raises(UnreadableValue):
                sealed.process_result_value(ciphertext, None)
            # The same plain text written for B is a different ciphertext B alone can read.
            mine = sealed.process_bind_param(NEEDS["notes"], None)
            assert mine != ciphertext
        with tenant_context(a.slug), pytest.raises(UnreadableValue):
            sealed.process_result_value(mine, None)


def test_a_changed_version_tag_does_not_open_the_text(districts, app):
    a, _ = districts
    intake_id = record_intake(a)
    (ciphertext,) = _raw(a, "SELECT notes FROM care_plans_intake WHERE id = :id", intake_id)
    sealed = Intake.__table__.c.notes.type
    body = ciphertext[3:]
    altered = body[:20] + ("A" if body[20] != "A" else "B") + body[21:]
    with app.app_context(), tenant_context(a.slug):
        for forged, reason in (
            ("v9:" + body, "la chiave versione 9 non è in DATA_ENCRYPTION_KEYS"),
            (body, "è senza versione e la chiave derivata da SECRET_KEY non lo decifra"),
            ("x1:" + body, "non ha la forma di un valore cifrato"),
            ("v1:" + altered, "la chiave versione 1 non lo decifra"),
        ):
            with pytest.raises(UnreadableValue) as refused:
                sealed.process_result_value(forged, None)
            assert reason in refused.value.reason()


def test_no_key_without_a_tenant(app):
    with app.app_context(), pytest.raises(NoTenantBound):
        Intake.__table__.c.notes.type.process_bind_param("testo", None)
    with app.app_context(), pytest.raises(NoTenantBound):
        Intake.__table__.c.notes.type.process_result_value("v1:AAAA", None)


def test_two_threads_serving_two_districts_never_mix_keys(districts):
    """The column type is shared by every thread: each value must still be written and read
    under the key of the district its own thread has bound."""
    sealed = Intake.__table__.c.notes.type
    failures: list[str] = []
    start = threading.Barrier(2)

    def work(district) -> None:
        with district.app.app_context(), tenant_context(district.slug):
            start.wait()
            for number in range(300):
                text = f"{district.slug} {number}"
                if sealed.process_result_value(sealed.process_bind_param(text, None), None) != text:
                    failures.append(text)

    threads = [threading.Thread(target=work, args=(district,)) for district in districts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
