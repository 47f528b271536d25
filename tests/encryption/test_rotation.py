"""Rotating keys: SECRET_KEY no longer touches encrypted data; a new data key goes in front of
the ring, `condiviso keys reencrypt` rewrites everything under it, and the old key can then be
dropped; values written before the ring existed stay readable until re-encrypted.

One deployment of its own (another worker is an app on the same settings with a changed
environment), so that its rings never meet the shared app's districts.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy_utils import StringEncryptedType
from sqlalchemy_utils.types.encrypted.encrypted_type import AesGcmEngine

from condiviso.encryption.ring import encode_key
from condiviso.encryption.sealed import UnreadableValue
from condiviso.extensions import db
from condiviso.tenancy import lifecycle, tenant_context
from condiviso.tenancy.keys import derive_key
from condiviso.tenancy.models import Tenant
from plugins.care_plans.models import SEALED_PURPOSE, CarePlan, Intake
from tests.care_plans.fixtures import NEEDS, District, build_district, record_intake, start_plan
from tests.conftest import TEST_DATA_ENCRYPTION_KEYS, build_app, close_app, start_app
from tests.districts import ACTOR

V1 = TEST_DATA_ENCRYPTION_KEYS
V2 = "2:" + encode_key(b"test-data-key-version-2-32-bytes")
V3 = "3:" + encode_key(b"test-data-key-version-3-32-bytes")
ENCRYPTED = {"care_plans_intake": ("needs", "notes"), "care_plans_plan": ("goals", "notes")}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    app = build_app(tmp_path_factory)
    app.shared = True
    yield app
    # Its connections go when the module ends, not with the session's apps.
    close_app(app)


def worker(deployment, **environment):
    """Another process of the same deployment, started with a changed environment."""
    return start_app({**deployment.test_settings, **environment})


def reencrypt(app, *slugs: str):
    args = ["keys", "reencrypt", "--batch-size", "2"]
    for slug in slugs:
        args += ["--tenant", slug]
    return app.test_cli_runner().invoke(args=args)


def stored(app, slug: str) -> dict[str, list[str]]:
    """Every encrypted value of the district as the database holds it, by table.column."""
    with app.app_context(), tenant_context(slug):
        return {
            f"{table}.{column}": list(
                db.session.scalars(
                    sa.text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY id")
                )
            )
            for table, columns in ENCRYPTED.items()
            for column in columns
        }


def versions(app, slug: str) -> set[str]:
    return {value.partition(":")[0] for values in stored(app, slug).values() for value in values}


def texts(app, slug: str) -> list[tuple[str | None, str | None]]:
    """What the district's intakes and plans say, read through the models."""
    with app.app_context(), tenant_context(slug):
        intakes = [
            (i.needs, i.notes) for i in db.session.scalars(sa.select(Intake).order_by(Intake.id))
        ]
        plans = [
            (p.goals, p.notes)
            for p in db.session.scalars(sa.select(CarePlan).order_by(CarePlan.id))
        ]
        return intakes + plans


def test_changing_secret_key_leaves_encrypted_text_readable(deployment):
    district = build_district(deployment, "chiavi-segreto")
    record_intake(district)
    start_plan(district)
    before = texts(deployment, district.slug)
    assert any(NEEDS["notes"] == notes for _needs, notes in before)

    rotated_secret = worker(deployment, SECRET_KEY="another-master-secret-" + "y" * 32)
    assert texts(rotated_secret, district.slug) == before


def test_rotate_reencrypt_then_drop_the_old_key(deployment):
    district = build_district(deployment, "chiavi-rotazione")
    record_intake(district)
    start_plan(district)
    before = texts(deployment, district.slug)
    assert versions(deployment, district.slug) == {"v1"}

    # v2 goes in front: old rows still read, new ones are written under v2.
    rotated = worker(deployment, DATA_ENCRYPTION_KEYS=f"{V2},{V1}")
    assert texts(rotated, district.slug) == before
    on_rotated = District(rotated, district.slug, district.services, district.people, district.ids)
    record_intake(on_rotated, notes="Scritto dopo la rotazione.")
    assert versions(rotated, district.slug) == {"v1", "v2"}

    result = reencrypt(rotated, district.slug)
    assert result.exit_code == 0, result.output
    assert (
        f"«{district.slug}»: 4 valori ricifrati con la chiave 2 "
        "(trovati: 4 con la chiave 1, 2 con la chiave 2)."
    ) in result.output
    assert versions(rotated, district.slug) == {"v2"}
    after = texts(rotated, district.slug)
    assert set(before) < set(after)
    assert [notes for _needs, notes in set(after) - set(before)] == ["Scritto dopo la rotazione."]

    again = reencrypt(rotated, district.slug)
    assert again.exit_code == 0 and "0 valori ricifrati" in again.output
    assert "trovati: 6 con la chiave 2" in again.output

    # v1 dropped: everything still reads; a worker that only knows v1 reads nothing.
    assert texts(worker(deployment, DATA_ENCRYPTION_KEYS=V2), district.slug) == after
    with pytest.raises(UnreadableValue):
        texts(deployment, district.slug)


def test_reencrypt_refuses_and_changes_nothing_when_a_value_opens_with_no_key(deployment):
    ready = build_district(deployment, "chiavi-pronta")
    stale = build_district(deployment, "chiavi-vecchia")
    record_intake(ready)
    record_intake(stale)
    assert (
        reencrypt(worker(deployment, DATA_ENCRYPTION_KEYS=f"{V2},{V1}"), ready.slug).exit_code == 0
    )
    kept = {slug: stored(deployment, slug) for slug in (ready.slug, stale.slug)}

    # v1 dropped too early: the stale district still holds v1 values.
    dropped = worker(deployment, DATA_ENCRYPTION_KEYS=f"{V3},{V2}")
    result = reencrypt(dropped, ready.slug, stale.slug)
    assert result.exit_code == 2
    assert "2 valori cifrati non si decifrano con nessuna chiave" in result.output
    assert f"«{stale.slug}» care_plans_intake.needs (id=" in result.output
    assert "la chiave versione 1 non è in DATA_ENCRYPTION_KEYS" in result.output
    assert "Nulla è cambiato." in result.output
    # The ready district comes first and would have moved to v3: nothing was written anywhere.
    assert {slug: stored(deployment, slug) for slug in kept} == kept


def test_reencrypt_refuses_a_district_that_does_not_exist(deployment):
    result = reencrypt(deployment, "chiavi-nessuno")
    assert result.exit_code == 2
    assert "Distretti inesistenti o dismessi: chiavi-nessuno." in result.output
    assert "Nulla è cambiato." in result.output


def test_reencrypt_covers_every_district_suspended_ones_too(deployment):
    active = build_district(deployment, "chiavi-attiva")
    suspended = build_district(deployment, "chiavi-sospesa")
    record_intake(active)
    record_intake(suspended)
    with deployment.app_context():
        lifecycle.suspend_tenant(suspended.slug, ACTOR)
    rotated = worker(deployment, DATA_ENCRYPTION_KEYS=f"{V2},{V1}")

    result = reencrypt(rotated)
    assert result.exit_code == 0, result.output
    with deployment.app_context():
        every = db.session.scalars(sa.select(Tenant.slug)).all()
    assert {active.slug, suspended.slug} <= set(every)
    for slug in every:
        assert f"«{slug}»:" in result.output
    assert f"Distretti: {len(every)}." in result.output
    assert versions(rotated, active.slug) == versions(rotated, suspended.slug) == {"v2"}
    with rotated.app_context(), tenant_context(suspended.slug) as tenant:
        assert tenant.read_only


def test_values_written_before_the_key_ring_stay_readable_until_reencrypted(deployment):
    district = build_district(deployment, "chiavi-prima")
    intake_id = record_intake(district)
    secret = deployment.config["SECRET_KEY"]
    with deployment.app_context(), tenant_context(district.slug) as tenant:
        # Exactly what the column type wrote before the ring: the key derived from SECRET_KEY.
        legacy = StringEncryptedType(
            sa.UnicodeText, key=derive_key(secret, SEALED_PURPOSE, tenant.id), engine=AesGcmEngine
        )
        db.session.execute(
            sa.text("UPDATE care_plans_intake SET notes = :notes, needs = :needs WHERE id = :id"),
            {
                "notes": legacy.process_bind_param("Scritto prima delle chiavi.", None),
                "needs": legacy.process_bind_param('{"salute": {"level": "alto"}}', None),
                "id": intake_id,
            },
        )
        db.session.commit()
    assert ":" not in stored(deployment, district.slug)["care_plans_intake.notes"][0]
    assert texts(deployment, district.slug)[0][1] == "Scritto prima delle chiavi."
    # Until re-encrypted, they depend on SECRET_KEY: rotating it first would lose them.
    other_secret = worker(deployment, SECRET_KEY="another-master-secret-" + "z" * 32)
    with pytest.raises(UnreadableValue):
        texts(other_secret, district.slug)

    result = reencrypt(deployment, district.slug)
    assert result.exit_code == 0, result.output
    assert "2 valori ricifrati con la chiave 1 (trovati: 2 senza versione)." in result.output
    assert versions(deployment, district.slug) == {"v1"}
    assert texts(other_secret, district.slug)[0] == (
        '{"salute": {"level": "alto"}}',
        "Scritto prima delle chiavi.",
    )
