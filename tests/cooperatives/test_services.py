"""The service network's public functions: validity of accreditations on a given day, and
changes that are checked in full and change nothing when refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from condiviso import clock
from condiviso.errors import InvalidInput
from condiviso.extensions import db
from plugins.cooperatives import services
from tests.cooperatives.conftest import (
    CODICE_FISCALE,
    IVA_A,
    IVA_B,
    comune_ids,
    inside,
    network_rows,
)


def category_data(**fields):
    return {"slug": "famiglia-e-minori", "name": "Famiglia e minori", **fields}


def cooperative_data(**fields):
    return {
        "slug": "coop-aurora",
        "legal_name": "Cooperativa Sociale Aurora (dato di esempio)",
        "tax_code": IVA_A,
        **fields,
    }


@pytest.fixture
def network(app, district):
    """A cooperative serving Tradate and Castelseprio, and two categories; returns their ids."""
    comuni = comune_ids(app, district)
    with inside(app, district):
        families = services.create_category(category_data(position=2))
        elderly = services.create_category(category_data(slug="anziani", name="Anziani"))
        cooperative = services.create_cooperative(
            cooperative_data(comuni=[comuni["012127"], comuni["012044"]])
        )
        db.session.commit()
        return {
            "cooperative": cooperative.id,
            "families": families.id,
            "elderly": elderly.id,
            **comuni,
        }


def accredit(app, district, network, comune: str, start: date, end: date | None, **fields):
    with inside(app, district):
        accreditation = services.create_accreditation(
            {
                "cooperative_id": network["cooperative"],
                "category_id": fields.get("category", network["families"]),
                "comune_id": network[comune],
                "valid_from": start,
                "valid_to": end,
            }
        )
        db.session.commit()
        return accreditation.id


def test_an_accreditation_is_valid_from_its_first_to_its_last_day(app, district, network):
    accredit(app, district, network, "012127", date(2025, 1, 1), date(2025, 12, 31))
    accredit(app, district, network, "012044", date(2026, 1, 1), None)
    coop, families, elderly = network["cooperative"], network["families"], network["elderly"]
    tradate, castelseprio = network["012127"], network["012044"]
    with inside(app, district):
        for day, expected in [
            (date(2024, 12, 31), False),
            (date(2025, 1, 1), True),
            (date(2025, 12, 31), True),
            (date(2026, 1, 1), False),
        ]:
            assert services.is_accredited(coop, families, tradate, on=day) is expected, day
        assert not services.is_accredited(coop, families, castelseprio, on=date(2025, 12, 31))
        assert services.is_accredited(coop, families, castelseprio, on=date(2099, 1, 1))
        assert not services.is_accredited(coop, elderly, tradate, on=date(2025, 6, 1))
        assert services.accredited_comuni(coop, families, on=date(2024, 6, 1)) == set()
        assert services.accredited_comuni(coop, families, on=date(2025, 6, 1)) == {tradate}
        assert services.accredited_comuni(coop, families, on=date(2026, 6, 1)) == {castelseprio}
        assert services.accredited_comuni(coop, elderly, on=date(2026, 6, 1)) == set()


def test_without_a_day_validity_is_today_in_the_district(app, district, network):
    with inside(app, district):
        today = clock.today()
    accredit(app, district, network, "012127", today - timedelta(days=30), today)
    accredit(app, district, network, "012044", today - timedelta(days=60), today - timedelta(1))
    accredit(app, district, network, "012136", today + timedelta(days=1), None)
    coop, families = network["cooperative"], network["families"]
    with inside(app, district):
        assert services.is_accredited(coop, families, network["012127"])
        assert not services.is_accredited(coop, families, network["012044"])
        assert not services.is_accredited(coop, families, network["012136"])
        assert services.accredited_comuni(coop, families) == {network["012127"]}
        states = {a.comune.istat_code: a.state_on(today) for a in services.accreditations()}
    assert states == {"012127": "valid", "012044": "expired", "012136": "future"}


def test_reading_the_network(app, district, network):
    with inside(app, district):
        assert [c.slug for c in services.categories()] == ["anziani", "famiglia-e-minori"]
        assert services.category_by_slug("anziani").id == network["elderly"]
        assert services.category(network["families"]).name == "Famiglia e minori"
        assert services.category(10**30) is None
        services.create_cooperative(
            cooperative_data(slug="coop-chiusa", tax_code=IVA_B, active=False)
        )
        db.session.commit()
        assert [c.slug for c in services.cooperatives()] == ["coop-aurora"]
        assert {c.slug for c in services.cooperatives(active_only=False)} == {
            "coop-aurora",
            "coop-chiusa",
        }
        cooperative = services.get_cooperative(network["cooperative"])
        assert [c.name for c in cooperative.comuni] == ["Castelseprio", "Tradate"]
        assert services.get_cooperative(-1) is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [(f"IT {IVA_A[:3]} {IVA_A[3:]}", IVA_A), (CODICE_FISCALE.lower(), CODICE_FISCALE)],
)
def test_tax_codes_are_stored_compact(app, district, typed, stored):
    with inside(app, district):
        cooperative = services.create_cooperative(cooperative_data(tax_code=typed))
        assert cooperative.tax_code == stored


@pytest.mark.parametrize(
    ("tax_code", "message"),
    [
        ("01234567897", "La partita IVA non è valida"),  # office code 789 does not exist
        (IVA_A[:-1] + "8", "La partita IVA non è valida"),  # wrong check digit
        (CODICE_FISCALE[:-1] + "X", "Il codice fiscale non è valido"),
        ("12345", "Scrivi la partita IVA (11 cifre) o il codice fiscale (16 caratteri)."),
        ("", "Scrivi la partita IVA (11 cifre) o il codice fiscale (16 caratteri)."),
    ],
)
def test_an_invalid_tax_code_is_refused(app, district, network, tax_code, message):
    before = network_rows(app, district)
    with inside(app, district), pytest.raises(InvalidInput) as refused:
        services.create_cooperative(cooperative_data(slug="altra", tax_code=tax_code))
    assert message in " ".join(refused.value.errors["tax_code"])
    assert network_rows(app, district) == before


def test_every_problem_is_reported_at_once_and_nothing_changes(app, district, network):
    before = network_rows(app, district)
    with inside(app, district):
        with pytest.raises(InvalidInput) as refused:
            services.create_cooperative(
                {
                    "slug": "coop-aurora",
                    "tax_code": IVA_A,
                    "email": "non-un-indirizzo",
                    "website": "javascript:alert(1)",
                    "comuni": [network["012127"], 999_999],
                }
            )
        errors = refused.value.errors
        assert set(errors) == {"slug", "legal_name", "tax_code", "email", "website", "comuni"}
        assert errors["slug"] == ["Un'altra cooperativa ha già questo identificativo."]
        assert errors["legal_name"] == ["Scrivi la ragione sociale."]
        with pytest.raises(InvalidInput) as refused:
            services.update_cooperative(
                network["cooperative"], cooperative_data(comuni=[network["012127"]], phone="x")
            )
        assert set(refused.value.errors) == {"phone"}
        db.session.commit()
    assert network_rows(app, district) == before


def test_a_category_slug_is_unique_and_well_formed(app, district, network):
    before = network_rows(app, district)
    with inside(app, district):
        for data, field in [
            (category_data(), "slug"),
            (category_data(slug="Famiglia e Minori!"), "slug"),
            (category_data(slug="nuova", name=""), "name"),
            (category_data(slug="nuova", icon="<svg>"), "icon"),
            (category_data(slug="nuova", position=10**20), "position"),
        ]:
            with pytest.raises(InvalidInput) as refused:
                services.create_category(data)
            assert set(refused.value.errors) == {field}, data
        with pytest.raises(InvalidInput):
            services.update_category(network["elderly"], category_data())
        db.session.commit()
    assert network_rows(app, district) == before


def test_an_accreditation_cannot_end_before_it_starts_or_be_recorded_twice(app, district, network):
    accredit(app, district, network, "012127", date(2025, 1, 1), None)
    before = network_rows(app, district)
    with inside(app, district):
        base = {
            "cooperative_id": network["cooperative"],
            "category_id": network["families"],
            "comune_id": network["012127"],
        }
        cases = [
            ({**base, "valid_from": "2025-03-01", "valid_to": "2025-02-28"}, {"valid_to"}),
            ({**base, "valid_from": "2025-01-01"}, {"valid_from"}),
            ({**base, "valid_from": "2025-13-01"}, {"valid_from"}),
            ({**base, "comune_id": 999_999, "valid_from": "2025-02-01"}, {"comune_id"}),
            ({"valid_from": "2025-02-01"}, {"cooperative_id", "category_id", "comune_id"}),
            (
                {"valid_from": "2025-03-01", "valid_to": "2025-02-28"},
                {"cooperative_id", "category_id", "comune_id", "valid_to"},
            ),
        ]
        for data, fields in cases:
            with pytest.raises(InvalidInput) as refused:
                services.create_accreditation(data)
            assert set(refused.value.errors) == fields, data
        assert refused.value.errors["comune_id"] == ["Scegli il comune dall'elenco."]
        db.session.commit()
    assert network_rows(app, district) == before


def test_ending_an_accreditation(app, district, network):
    accreditation = accredit(app, district, network, "012127", date(2025, 1, 1), None)
    with inside(app, district):
        data = {
            "cooperative_id": network["cooperative"],
            "category_id": network["families"],
            "comune_id": network["012127"],
            "valid_from": date(2025, 1, 1),
        }
        with pytest.raises(InvalidInput):
            services.update_accreditation(accreditation, {**data, "valid_to": date(2024, 12, 31)})
        services.update_accreditation(accreditation, {**data, "valid_to": date(2025, 6, 30)})
        db.session.commit()
        coop, families, tradate = network["cooperative"], network["families"], network["012127"]
        assert services.is_accredited(coop, families, tradate, on=date(2025, 6, 30))
        assert not services.is_accredited(coop, families, tradate, on=date(2025, 7, 1))
