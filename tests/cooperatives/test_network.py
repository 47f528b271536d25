"""The service network in a tenant definition (`network = "network.toml"`): imported through
`condiviso tenant apply`, idempotent, never deleting, and checked in full before any change."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from condiviso.districts.definitions import apply_definition
from condiviso.errors import InvalidInput
from condiviso.extensions import db
from condiviso.tenancy.models import Tenant
from plugins.cooperatives import services
from tests.cooperatives.conftest import IVA_A, IVA_B, IVA_C, comune_ids, inside, network_rows
from tests.cooperatives.definitions import NETWORK, write_definition
from tests.districts import ACTOR


def _slug() -> str:
    return f"n{uuid.uuid4().hex[:10]}"


def _apply(app, path: Path):
    with app.app_context():
        return apply_definition(path, ACTOR)


def _refused(app, path: Path) -> dict[str, list[str]]:
    with app.app_context(), pytest.raises(InvalidInput) as refused:
        apply_definition(path, ACTOR)
    return refused.value.errors


@pytest.fixture
def applied(app, tmp_path):
    """A district created from a definition with the example network; (slug, folder)."""
    slug = _slug()
    path = write_definition(tmp_path / slug, slug)
    _apply(app, path)
    return slug, path


def test_the_network_is_imported_and_a_second_apply_changes_nothing(app, applied):
    slug, path = applied
    comuni = comune_ids(app, slug)
    with inside(app, slug):
        assert [(c.slug, c.name_en, c.icon, c.position) for c in services.categories()] == [
            ("famiglia-e-minori", "Families and children", "it-user", 1),
            ("anziani", None, None, 2),
        ]
        cooperative = services.cooperative_by_slug("coop-esempio")
        assert (cooperative.tax_code, cooperative.email, cooperative.active) == (
            IVA_A,
            "info@coop-esempio.example.org",
            True,
        )
        assert {c.istat_code for c in cooperative.comuni} == {"012127", "012044"}
        families = services.category_by_slug("famiglia-e-minori").id
        elderly = services.category_by_slug("anziani").id
        on = date(2026, 1, 1)
        assert services.accredited_comuni(cooperative.id, families, on) == {comuni["012127"]}
        assert services.accredited_comuni(cooperative.id, elderly, on) == {comuni["012044"]}
        assert not services.is_accredited(
            cooperative.id, families, comuni["012127"], date(2028, 1, 1)
        )
    before = network_rows(app, slug)
    report = _apply(app, path)
    assert report.changes == []
    assert network_rows(app, slug) == before


def test_a_changed_file_updates_what_it_lists_and_deletes_nothing(app, applied):
    slug, path = applied
    with inside(app, slug):
        services.create_cooperative(
            {"slug": "coop-locale", "legal_name": "Aggiunta dal distretto", "tax_code": IVA_B}
        )
        db.session.commit()
    changed = NETWORK.replace('name = "Anziani"', 'name = "Persone anziane"').replace(
        "valid_from = 2025-06-01", "valid_from = 2025-06-01\nvalid_to = 2025-12-31"
    )
    changed += f"""
[[cooperatives]]
slug = "coop-nuova"
legal_name = "Cooperativa Nuova (dato di esempio)"
tax_code = "{IVA_C}"
comuni = ["012044"]

[[accreditations]]
cooperative = "coop-locale"
comune = "012044"
category = "anziani"
valid_from = 2026-01-01
"""
    (path / "network.toml").write_text(changed)
    _apply(app, path)
    with inside(app, slug):
        assert services.category_by_slug("anziani").name == "Persone anziane"
        assert {c.slug for c in services.cooperatives()} == {
            "coop-esempio",
            "coop-locale",
            "coop-nuova",
        }
        elderly = services.category_by_slug("anziani").id
        esempio = services.cooperative_by_slug("coop-esempio").id
        locale = services.cooperative_by_slug("coop-locale").id
        assert services.accredited_comuni(esempio, elderly, date(2026, 1, 1)) == set()
        assert len(services.accreditations()) == 3
        assert services.accredited_comuni(locale, elderly, date(2026, 1, 1))
    (path / "network.toml").write_text(NETWORK)
    _apply(app, path)
    with inside(app, slug):
        assert len(services.cooperatives()) == 3 and len(services.accreditations()) == 3


BROKEN = [
    (NETWORK.replace(IVA_A, "01234567897"), "cooperatives.0.tax_code"),
    (NETWORK.replace('comune = "012127"', 'comune = "012999"'), "accreditations.0.comune"),
    (NETWORK.replace('["012127", "012044"]', '["012127", "099999"]'), "cooperatives.0.comuni"),
    (
        NETWORK.replace("valid_to = 2027-12-31", "valid_to = 2024-12-31"),
        "accreditations.0.valid_to",
    ),
    (NETWORK.replace('category = "anziani"', 'category = "disabili"'), "accreditations.1.category"),
    (
        NETWORK.replace('cooperative = "coop-esempio"', 'cooperative = "coop-altra"', 1),
        "accreditations.0.cooperative",
    ),
    (NETWORK.replace('slug = "anziani"', 'slug = "famiglia-e-minori"'), "categories.1.slug"),
    (NETWORK.replace('slug = "anziani"', 'slug = "Anziani!"'), "categories.1.slug"),
    (NETWORK.replace("position = 2", 'position = "due"'), "categories.1.position"),
    (NETWORK + '\n[[services]]\nname = "x"\n', "services"),
    (NETWORK.replace('legal_name = "', 'ragione_sociale = "'), "cooperatives.0.ragione_sociale"),
    (NETWORK + "\n[[categories]\n", ""),  # not TOML
]


@pytest.mark.parametrize(("network", "field"), BROKEN)
def test_an_invalid_network_stops_a_new_district_before_anything_exists(
    app, tmp_path, network, field
):
    slug = _slug()
    errors = _refused(app, write_definition(tmp_path / slug, slug, network))
    key = f"plugins.cooperatives.network{'.' + field if field else ''}"
    assert key in errors, errors
    assert all(message for message in errors[key])
    with app.app_context():
        assert db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug)) is None


@pytest.mark.parametrize(("network", "field"), BROKEN[:4])
def test_an_invalid_network_changes_nothing_in_an_existing_district(app, applied, network, field):
    slug, path = applied
    before = network_rows(app, slug)
    (path / "network.toml").write_text(network.replace("Esempio (dato", "Cambiata (dato"))
    assert f"plugins.cooperatives.network.{field}" in _refused(app, path)
    assert network_rows(app, slug) == before


def test_the_network_file_must_be_beside_the_definition(app, tmp_path):
    slug = _slug()
    path = write_definition(tmp_path / slug, slug)
    toml = (path / "tenant.toml").read_text()
    (path / "tenant.toml").write_text(toml.replace('"network.toml"', '"../network.toml"'))
    (tmp_path / "network.toml").write_text(NETWORK)
    assert "plugins.cooperatives.network" in _refused(app, path)
    (path / "tenant.toml").write_text(toml.replace('"network.toml"', '"missing.toml"'))
    assert "plugins.cooperatives.network" in _refused(app, path)


def test_a_network_may_refer_to_what_the_district_already_holds(app, applied):
    slug, path = applied
    with inside(app, slug):
        services.create_category({"slug": "disabili", "name": "Disabilità"})
        db.session.commit()
    (path / "network.toml").write_text(
        'accreditations = [{ cooperative = "coop-esempio", comune = "012044", '
        'category = "disabili", valid_from = 2025-01-01 }]\n'
    )
    _apply(app, path)
    with inside(app, slug):
        disability = services.category_by_slug("disabili").id
        cooperative = services.cooperative_by_slug("coop-esempio").id
        assert services.accredited_comuni(cooperative, disability, date(2025, 1, 1))
    (path / "network.toml").write_text(
        f'cooperatives = [{{ slug = "doppione", legal_name = "Doppione", tax_code = "{IVA_A}" }}]\n'
    )
    errors = _refused(app, path)
    assert (
        "La cooperativa «coop-esempio» ha già questo codice."
        in (errors["plugins.cooperatives.network.cooperatives.0.tax_code"])
    )


def test_a_definition_without_a_network_imports_nothing(app, tmp_path):
    slug = _slug()
    _apply(app, write_definition(tmp_path / slug, slug, network=None))
    assert network_rows(app, slug) == {
        "cooperatives_category": [],
        "cooperatives_cooperative": [],
        "cooperatives_area": [],
        "cooperatives_accreditation": [],
    }


def test_tax_codes_cannot_change_hands_within_one_file(app, applied):
    slug, path = applied
    with inside(app, slug):
        services.create_cooperative({"slug": "coop-b", "legal_name": "B", "tax_code": IVA_B})
        db.session.commit()
    before = network_rows(app, slug)
    swapped = NETWORK.replace(IVA_A, IVA_B) + (
        f'\n[[cooperatives]]\nslug = "coop-b"\nlegal_name = "B"\ntax_code = "{IVA_A}"\n'
    )
    (path / "network.toml").write_text(swapped)
    errors = _refused(app, path)
    assert "plugins.cooperatives.network.cooperatives.0.tax_code" in errors
    assert "plugins.cooperatives.network.cooperatives.1.tax_code" in errors
    assert network_rows(app, slug) == before
