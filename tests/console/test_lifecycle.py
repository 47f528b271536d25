"""Suspend, resume, export and offboard from the console: each needs the district's slug typed
as confirmation; a mismatch changes nothing."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from condiviso.errors import NotFound
from condiviso.tenancy import lifecycle, registry
from condiviso.tenancy.models import TenantStatus
from tests.care_plans.fixtures import NEEDS, build_district, record_intake
from tests.conftest import PLATFORM_DOMAIN
from tests.console.conftest import audit_rows
from tests.districts import ACTOR


def _status(app, slug: str) -> TenantStatus | None:
    with app.app_context():
        try:
            return registry.get_tenant(slug).status
        except NotFound:
            return None


def _archives(app, slug: str) -> list[Path]:
    return sorted(Path(app.config["ARCHIVE_PATH"]).glob(f"{slug}-*.zip"))


def _download(console, slug: str):
    """The archive download (the file's response is closed once read)."""
    with console.get(f"/console/distretti/{slug}/archivio") as response:
        response.get_data()
    return response


def _manifest(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read("manifest.json"))


@pytest.mark.parametrize("action", ["sospendi", "esporta", "dismetti"])
def test_a_wrong_confirmation_changes_nothing(app, console, new_tenant, action):
    slug = new_tenant().slug
    before = audit_rows(app, slug)
    page = console.get(f"/console/distretti/{slug}/{action}")
    assert page.status_code == 200 and 'for="confirmation"' in page.text
    for typed in ("", "alpha", slug.upper(), f"{slug}x"):
        response = console.submit(f"/console/distretti/{slug}/{action}", {"confirmation": typed})
        assert response.status_code == 400
        assert 'id="confirmation-error"' in response.text
        assert 'aria-invalid="true"' in response.text
    assert _status(app, slug) is TenantStatus.ACTIVE
    assert _archives(app, slug) == []
    assert audit_rows(app, slug) == before


def test_suspend_and_resume_with_the_slug_typed(app, console, actor, host_client, new_tenant):
    slug = new_tenant().slug
    response = console.submit(
        f"/console/distretti/{slug}/sospendi", {"confirmation": slug, "reason": "fattura scaduta"}
    )
    assert response.status_code == 302
    assert _status(app, slug) is TenantStatus.SUSPENDED
    portal = host_client(f"{slug}.{PLATFORM_DOMAIN}")
    assert portal.get("/").status_code == 200  # read-only, still served

    wrong = console.submit(f"/console/distretti/{slug}/riattiva", {"confirmation": "beta"})
    assert wrong.status_code == 400 and _status(app, slug) is TenantStatus.SUSPENDED

    resumed = console.submit(f"/console/distretti/{slug}/riattiva", {"confirmation": slug})
    assert resumed.status_code == 302
    assert _status(app, slug) is TenantStatus.ACTIVE

    (suspended, resumed_row) = audit_rows(app, slug)[-2:]
    assert suspended == (actor, "tenant.suspended", {"reason": "fattura scaduta"})
    assert resumed_row[:2] == (actor, "tenant.resumed")


def test_export_writes_an_archive_to_download(app, console, actor, new_tenant):
    slug = new_tenant(plugins={"branding": {}}).slug
    assert console.get(f"/console/distretti/{slug}/archivio").status_code == 404
    response = console.submit(f"/console/distretti/{slug}/esporta", {"confirmation": slug})
    assert response.status_code == 302
    (archive,) = _archives(app, slug)
    assert _status(app, slug) is TenantStatus.ACTIVE

    page = console.get(f"/console/distretti/{slug}")
    assert archive.name in page.text and f"/console/distretti/{slug}/archivio" in page.text
    download = _download(console, slug)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == f"attachment; filename={archive.name}"
    assert download.headers["Cache-Control"] == "no-store"
    manifest = _manifest(download.data)
    assert manifest["tenant"]["slug"] == slug and "branding" in manifest["tenant"]["plugins"]

    exported, downloaded = audit_rows(app, slug)[-2:]
    assert exported == (actor, "tenant.exported", {"archive": str(archive)})
    assert downloaded == (actor, "tenant.archive_downloaded", {"archive": archive.name})


def test_downloaded_archive_holds_care_records_in_clear_and_says_so(app, console):
    district = build_district(app, "console-archivio-cura")
    intake_id = record_intake(district)
    slug = district.slug
    confirm = console.get(f"/console/distretti/{slug}/esporta")
    assert "vi sono scritti in chiaro" in confirm.text
    assert (
        console.submit(f"/console/distretti/{slug}/esporta", {"confirmation": slug}).status_code
        == 302
    )
    page = console.get(f"/console/distretti/{slug}")
    assert "contiene in chiaro i dati di categoria particolare" in page.text

    download = _download(console, slug)
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        intakes = [
            json.loads(line) for line in archive.read("tables/care_plans_intake.jsonl").splitlines()
        ]
    assert manifest["decrypted_columns"]["care_plans_intake"] == ["needs", "notes"]
    (intake,) = [row for row in intakes if row["id"] == intake_id]
    assert intake["notes"] == NEEDS["notes"]


def test_offboard_archives_then_removes_the_district(app, console, actor, host_client, new_tenant):
    slug = new_tenant().slug
    response = console.submit(f"/console/distretti/{slug}/dismetti", {"confirmation": slug})
    assert response.status_code == 302
    assert _status(app, slug) is None
    assert console.get(f"/console/distretti/{slug}").status_code == 404
    assert host_client(f"{slug}.{PLATFORM_DOMAIN}").get("/").status_code == 404

    dashboard = console.get("/console/")
    assert f"/console/distretti/{slug}/archivio" in dashboard.text
    download = _download(console, slug)
    assert download.status_code == 200 and _manifest(download.data)["tenant"]["slug"] == slug

    actions = [(who, action) for who, action, _d in audit_rows(app, slug)[-4:]]
    assert actions == [
        (actor, "tenant.suspended"),
        (actor, "tenant.exported"),
        (actor, "tenant.offboarded"),
        (actor, "tenant.archive_downloaded"),
    ]


def test_only_archives_inside_the_archive_folder_are_served(app, console, new_tenant, tmp_path):
    slug = new_tenant().slug
    outside = tmp_path / f"{slug}-elsewhere.zip"
    outside.write_bytes(b"not for download")
    with app.app_context():
        lifecycle.record_archive(slug, ACTOR, str(outside))
    assert console.get(f"/console/distretti/{slug}/archivio").status_code == 404
    for path in (
        "/console/distretti/..%2F..%2Fetc%2Fpasswd/archivio",
        "/console/distretti/x/archivio",
    ):
        assert console.get(path).status_code == 404
