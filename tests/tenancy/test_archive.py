"""A district's archive is readable by the district: the columns encrypted at rest are written
decrypted, the manifest names them and says the archive is special-category data; a value no
key opens stops the export before any archive is written."""

from __future__ import annotations

import json
import zipfile

from condiviso.tenancy.archive import ARCHIVE_FORMAT, offboard_tenant
from tests.care_plans.fixtures import NEEDS, build_district, record_intake, start_plan
from tests.conftest import start_app
from tests.districts import ACTOR

DECRYPTED = {
    "care_plans_intake": ["needs", "notes"],
    "care_plans_plan": ["goals", "notes"],
    "vouchers_voucher": ["reason"],
}


def _read(path) -> tuple[dict, dict[str, list[dict]]]:
    with zipfile.ZipFile(path) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        tables = {
            name: [json.loads(line) for line in bundle.read(f"tables/{name}.jsonl").splitlines()]
            for name in DECRYPTED
        }
    return manifest, tables


def _assert_readable(manifest: dict, tables: dict[str, list[dict]], intake_id: int) -> None:
    assert manifest["format"] == ARCHIVE_FORMAT == 2
    assert manifest["decrypted_columns"] == DECRYPTED
    assert "categoria particolare" in manifest["special_category_notice"]
    (intake,) = [row for row in tables["care_plans_intake"] if row["id"] == intake_id]
    assert intake["notes"] == NEEDS["notes"]
    assert json.loads(intake["needs"])["salute"]["notes"] == NEEDS["notes_salute"]
    (plan,) = tables["care_plans_plan"]
    assert plan["goals"].startswith("Uscire di casa") and "riservata" in plan["notes"]
    for rows in tables.values():
        for row in rows:
            assert not any(str(value).startswith("v1:") for value in row.values())


def test_export_holds_the_plaintext_of_encrypted_columns(app, tmp_path):
    district = build_district(app, "archivio-cura")
    intake_id = record_intake(district)
    start_plan(district)
    output = tmp_path / "archivio.zip"
    result = app.test_cli_runner().invoke(
        args=["tenant", "export", district.slug, "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    _assert_readable(*_read(output), intake_id)


def test_offboarding_archive_holds_the_plaintext(app):
    district = build_district(app, "archivio-dismesso")
    intake_id = record_intake(district)
    start_plan(district)
    with app.app_context():
        archive = offboard_tenant(district.slug, ACTOR)
    _assert_readable(*_read(archive), intake_id)


def test_export_refuses_when_a_value_opens_with_no_key(app, tmp_path):
    district = build_district(app, "archivio-chiave")
    record_intake(district)
    without_the_key = start_app(
        {
            **app.test_settings,
            "DATA_ENCRYPTION_KEYS": "2:dGVzdC1kYXRhLWtleS12ZXJzaW9uLTItMzItYnl0ZXM",
        }
    )
    output = tmp_path / "archivio.zip"
    result = without_the_key.test_cli_runner().invoke(
        args=["tenant", "export", district.slug, "--output", str(output)]
    )
    assert result.exit_code == 2
    assert "care_plans_intake.needs (id=" in result.output
    assert "la chiave versione 1 non è in DATA_ENCRYPTION_KEYS" in result.output
    assert list(tmp_path.iterdir()) == []
