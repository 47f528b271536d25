"""Budget lines and vouchers from a tenant definition (`[plugins.vouchers] budget = "…"`): the
Tradate sample gets each comune's 2026 line and the district's FNA and FNPS lines, with a few
vouchers for the sample citizen partly spent; applying it again writes nothing; a wrong file is
refused field by field, in Italian, before anything is written."""

from __future__ import annotations

import shutil
import textwrap
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from condiviso.audit.models import AccessAudit
from condiviso.districts.definitions import apply_definition
from condiviso.errors import InvalidInput
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from condiviso.tenancy.models import Tenant
from plugins.vouchers import budgets
from plugins.vouchers.definition import FIELD, import_budget
from plugins.vouchers.models import BudgetLine, Choice, Delivery, Fund, Voucher
from plugins.wallet.checking import problems
from plugins.wallet.models import Account, Entry, Transaction
from tests.cooperatives.definitions import NETWORK
from tests.districts import ACTOR

TRADATE = Path(__file__).resolve().parents[2] / "tenants" / "tradate"
OWN_BUDGET = "Bilancio comunale"
FNA = "Fondo nazionale per la non autosufficienza (FNA)"
FNPS = "Fondo nazionale per le politiche sociali (FNPS)"
# Each comune's 2026 line from its own budget, in cents, as tenants/tradate/budget.toml has it.
OWN_LINES = {
    "012127": 38_000_00,  # Tradate
    "012046": 16_500_00,  # Castiglione Olona
    "012134": 15_000_00,  # Vedano Olona
    "012137": 14_500_00,  # Venegono Superiore
    "012136": 12_500_00,  # Venegono Inferiore
    "012089": 9_800_00,  # Lonate Ceppino
    "012080": 4_500_00,  # Gornate Olona
    "012044": 2_600_00,  # Castelseprio
}
SAMPLE = "dati di esempio"


def ledger_rows(app, slug: str) -> dict[str, object]:
    """Everything the vouchers' import writes, as comparable values."""
    with app.app_context(), tenant_context(slug):
        return {
            "funds": sorted(db.session.execute(sa.select(Fund.name, Fund.description)).all()),
            "lines": sorted(
                db.session.execute(
                    sa.select(
                        BudgetLine.id, BudgetLine.funder, BudgetLine.fund_id, BudgetLine.notes
                    )
                ).all()
            ),
            "accounts": sorted(
                db.session.execute(sa.select(Account.reference, Account.balance_cents)).all()
            ),
            "transactions": db.session.scalar(sa.select(sa.func.count(Transaction.id))),
            "entries": db.session.scalar(sa.select(sa.func.count(Entry.id))),
            "vouchers": sorted(
                db.session.execute(sa.select(Voucher.id, Voucher.code, Voucher.status)).all()
            ),
            "deliveries": db.session.scalar(sa.select(sa.func.count(Delivery.id))),
            "choices": db.session.scalar(sa.select(sa.func.count()).select_from(Choice)),
            "audit": db.session.scalar(sa.select(sa.func.count(AccessAudit.id))),
        }


def checked(app, slug: str) -> list[str]:
    with app.app_context(), tenant_context(slug):
        return problems() + budgets.line_problems(db.session.scalars(sa.select(BudgetLine)))


# -- the Tradate sample ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tradate(app):
    """The Tradate sample district, applied from tenants/tradate (the Social Point tests may
    have applied it already in this run: what follows holds either way)."""
    with app.app_context():
        apply_definition(TRADATE / "tenant.toml", ACTOR)
    return "tradate"


def test_each_comune_has_its_2026_line_and_the_district_its_fna_and_fnps(app, tradate):
    with app.app_context(), tenant_context(tradate):
        lines = list(db.session.scalars(sa.select(BudgetLine)))
        figures = budgets.figures(lines)
        by_key = {
            (line.comune.istat_code if line.comune else "distretto", line.fund.name, line.year): (
                line,
                figures[line.id],
            )
            for line in lines
        }
        for istat, cents in OWN_LINES.items():
            line, figure = by_key[(istat, OWN_BUDGET, 2026)]
            assert figure.allocated == cents, istat
            assert SAMPLE in line.notes
        assert by_key[("distretto", FNA, 2026)][1].allocated == 62_000_00
        assert by_key[("distretto", FNPS, 2026)][1].allocated == 41_000_00
        assert by_key[("012127", FNPS, 2026)][1].allocated == 12_000_00
        assert by_key[("012046", FNA, 2026)][1].allocated == 6_500_00
        assert len(lines) == 12
        # Tradate's own line issued one voucher of 600 € (135 € spent on it).
        tradate_own = by_key[("012127", OWN_BUDGET, 2026)][1]
        assert tradate_own == budgets.Figures(
            allocated=38_000_00, committed=465_00, spent=135_00, available=37_400_00
        )
        # The FNA voucher pays 90% of each delivery (10% is the family's share).
        assert by_key[("distretto", FNA, 2026)][1] == budgets.Figures(
            allocated=62_000_00, committed=984_00, spent=216_00, available=60_800_00
        )
        funds = {f.name: f for f in db.session.scalars(sa.select(Fund))}
        assert set(funds) >= {OWN_BUDGET, FNA, FNPS}
        # Every movement the definition wrote says it is sample data.
        reasons = db.session.scalars(
            sa.select(Transaction.reason).where(
                Transaction.idempotency_key.like("definition:vouchers:%")
            )
        ).all()
        assert reasons and all(SAMPLE in reason for reason in reasons)
    assert checked(app, tradate) == []


def test_the_sample_citizen_has_vouchers_partly_spent(app, tradate):
    with app.app_context(), tenant_context(tradate):
        vouchers = list(db.session.scalars(sa.select(Voucher).order_by(Voucher.value_cents)))
        assert {v.beneficiary.email for v in vouchers} == {"cittadino@tradate.example.org"}
        assert [(v.value_cents, v.balance_cents, v.status) for v in vouchers] == [
            (250_00, 250_00, "attivo"),
            (400_00, 340_00, "attivo"),
            (600_00, 465_00, "attivo"),
            (1_200_00, 984_00, "attivo"),
        ]
        assert [c.slug for c in vouchers[2].categories] == ["anziani"]
        assert vouchers[3].copay_percent == 10 and vouchers[3].line.comune is None
        assert SAMPLE in vouchers[2].reason
        deliveries = list(db.session.scalars(sa.select(Delivery).order_by(Delivery.delivered_on)))
        assert [(d.cooperative.slug, d.cost_cents, d.amount_cents) for d in deliveries] == [
            ("coop-il-girasole", 45_00, 45_00),
            ("coop-il-girasole", 45_00, 45_00),
            ("coop-arcobaleno", 120_00, 108_00),
            ("coop-il-girasole", 45_00, 45_00),
            ("coop-arcobaleno", 120_00, 108_00),
            ("coop-la-coccinella", 60_00, 60_00),
        ]
        assert all(SAMPLE in d.note for d in deliveries)
        assert all(d.accreditation.comune.istat_code == "012127" for d in deliveries)
        # The cooperatives that delivered see the vouchers (the family's choice is recorded).
        chosen = set(db.session.execute(sa.select(Choice.voucher_id, Choice.cooperative_id)))
        assert {(d.voucher_id, d.cooperative_id) for d in deliveries} <= chosen


def test_applying_the_tradate_definition_again_changes_nothing(app, tradate):
    before = ledger_rows(app, tradate)
    with app.app_context():
        report = apply_definition(TRADATE / "tenant.toml", ACTOR)
    assert report.changes == []
    assert ledger_rows(app, tradate) == before
    assert checked(app, tradate) == []


# -- a definition of its own -----------------------------------------------------------------------

BUDGET = """
[[funds]]
name = "Bilancio comunale"

[[funds]]
name = "Fondo di prova (FNA)"

[[lines]]
funder = "012127"
year = 2026
fund = "Bilancio comunale"
amount = "45000.00"
notes = "Voce di prova"

[[lines]]
funder = "distretto"
year = 2026
fund = "Fondo di prova (FNA)"
amount = "1.234,50"

[[vouchers]]
ref = "prova-anziani"
funder = "012127"
year = 2026
fund = "Bilancio comunale"
beneficiary = "cittadino@{slug}.example.org"
value = "300.00"
categories = ["anziani"]
valid_from = 2026-01-15
valid_to = 2026-12-31
deliveries = [{{ cooperative = "coop-esempio", on = 2026-02-02, cost = "40.00" }}]

[[vouchers]]
ref = "prova-senza-persona"
funder = "distretto"
year = 2026
fund = "Fondo di prova (FNA)"
beneficiary = "nessuno@{slug}.example.org"
value = "100.00"
categories = ["anziani"]
valid_from = 2026-01-15
valid_to = 2026-12-31
"""

# Castelseprio's elderly care is accredited from 2025-06-01 (tests.cooperatives.definitions).
NETWORK_WITH_ELDERLY_IN_TRADATE = (
    NETWORK
    + """
[[accreditations]]
cooperative = "coop-esempio"
comune = "012127"
category = "anziani"
valid_from = 2025-01-01
valid_to = 2027-12-31
"""
)


def write_definition(directory: Path, slug: str, budget: str = BUDGET) -> Path:
    """A sample district of two comuni with the network of the cooperatives' tests, the wallet,
    and the vouchers with `budget` (formatted with the slug)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "network.toml").write_text(NETWORK_WITH_ELDERLY_IN_TRADATE)
    (directory / "budget.toml").write_text(budget.format(slug=slug))
    (directory / "tenant.toml").write_text(
        textwrap.dedent(f"""
        slug = "{slug}"
        display_name = "Ambito di prova {slug}"
        sample = true

        [[comuni]]
        istat = "012127"
        name = "Tradate"
        lead = true

        [[comuni]]
        istat = "012044"
        name = "Castelseprio"

        [plugins.cooperatives]
        network = "network.toml"

        [plugins.catalog]

        [plugins.wallet]

        [plugins.vouchers]
        budget = "budget.toml"
    """)
    )
    return directory


def _slug() -> str:
    return f"vd{uuid.uuid4().hex[:8]}"


def _refused(app, path: Path) -> dict[str, list[str]]:
    with app.app_context(), pytest.raises(InvalidInput) as refused:
        apply_definition(path, ACTOR)
    return refused.value.errors


@pytest.fixture
def applied(app, tmp_path):
    slug = _slug()
    path = write_definition(tmp_path / slug, slug)
    with app.app_context():
        apply_definition(path, ACTOR)
    return slug, path


def line_figures(app, slug: str) -> dict[str, budgets.Figures]:
    """The four figures of each line, by funder's name."""
    with app.app_context(), tenant_context(slug):
        lines = list(db.session.scalars(sa.select(BudgetLine)))
        figures = budgets.figures(lines)
        return {line.funder_name: figures[line.id] for line in lines}


def test_amounts_are_read_to_the_cent_and_a_voucher_without_its_person_is_left_out(app, applied):
    slug, _path = applied
    assert line_figures(app, slug) == {
        "Tradate": budgets.Figures(
            allocated=45_000_00, committed=260_00, spent=40_00, available=44_700_00
        ),
        "Distretto (Ufficio di Piano)": budgets.Figures(allocated=1_234_50, available=1_234_50),
    }
    with app.app_context(), tenant_context(slug):
        (voucher,) = db.session.scalars(sa.select(Voucher))
        assert voucher.beneficiary.email == f"cittadino@{slug}.example.org"
        assert voucher.issuer_label.startswith("Definizione del distretto")
        assert voucher.issued_by_user_id is None
        notes = {line.funder_name: line.notes for line in db.session.scalars(sa.select(BudgetLine))}
        assert notes == {
            "Tradate": "Voce di prova (dati di esempio)",
            "Distretto (Ufficio di Piano)": "Dati di esempio",
        }
    assert checked(app, slug) == []


def test_a_changed_amount_moves_only_the_difference(app, applied):
    slug, path = applied
    budget = path / "budget.toml"
    budget.write_text(budget.read_text().replace('"45000.00"', '"50000.00"'))
    with app.app_context():
        apply_definition(path, ACTOR)
        apply_definition(path, ACTOR)  # again: nothing more
    assert line_figures(app, slug)["Tradate"].allocated == 50_000_00
    budget.write_text(budget.read_text().replace('"50000.00"', '"44000.00"'))
    with app.app_context():
        apply_definition(path, ACTOR)
    assert line_figures(app, slug)["Tradate"].allocated == 44_000_00
    with app.app_context(), tenant_context(slug):
        kinds = db.session.scalars(
            sa.select(Transaction.kind)
            .where(Transaction.idempotency_key.like("definition:vouchers:line:012127:%"))
            .order_by(Transaction.id)
        ).all()
        assert kinds == [budgets.ALLOCATION, budgets.ALLOCATION, budgets.ALLOCATION_REDUCED]
    assert checked(app, slug) == []


AMOUNT = 'Scrivi l\'importo in euro tra virgolette, maggiore di zero: per esempio "45000.00".'

MALFORMED = """
[[funds]]
name = "Bilancio comunale"

[[lines]]
funder = "012127"
year = 2026
fund = "Bilancio comunale"
amount = "quarantacinquemila"

[[lines]]
funder = "012044"
year = 2026
fund = "Bilancio comunale"
amount = 4500.00

[[lines]]
funder = "012999"
year = 2026
fund = "Bilancio comunale"
amount = "1000.00"

[[lines]]
funder = "distretto"
year = 2026
fund = "Fondo che non esiste"
amount = "1000.00"
"""


def test_a_malformed_section_is_refused_field_by_field_and_nothing_is_written(app, tmp_path):
    slug = _slug()
    errors = _refused(app, write_definition(tmp_path / slug, slug, MALFORMED))
    # A word and a TOML number (a float) are not amounts; the rest is checked once they are.
    assert errors == {f"{FIELD}.lines.0.amount": [AMOUNT], f"{FIELD}.lines.1.amount": [AMOUNT]}
    with app.app_context():
        assert db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug)) is None
    fixed = MALFORMED.replace('"quarantacinquemila"', '"45000.00"').replace(
        "= 4500.00", '= "4500.00"'
    )
    errors = _refused(app, write_definition(tmp_path / slug, slug, fixed))
    assert errors == {
        f"{FIELD}.lines.2.funder": ["Il comune 012999 non è del distretto."],
        f"{FIELD}.lines.3.fund": ["Fondo sconosciuto: elencalo in [[funds]]."],
    }
    with app.app_context():
        assert db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug)) is None


WRONG_FOR_AN_EXISTING_DISTRICT = """
[[funds]]
name = "Bilancio comunale"

[[lines]]
funder = "012127"
year = 2026
fund = "Bilancio comunale"
amount = "45000.00"

[[lines]]
funder = "012044"
year = 1999
fund = "Bilancio comunale"
amount = "10.00"

[[vouchers]]
ref = "prova-anziani"
funder = "012127"
year = 2026
fund = "Bilancio comunale"
beneficiary = "non è un indirizzo"
value = "300,505"
categories = ["anziani"]
valid_from = 2026-01-15
valid_to = 2026-12-31
"""


def test_a_wrong_file_for_a_district_that_exists_changes_none_of_its_money(app, applied):
    slug, path = applied
    before = ledger_rows(app, slug)
    (path / "budget.toml").write_text(WRONG_FOR_AN_EXISTING_DISTRICT)
    assert _refused(app, path) == {
        f"{FIELD}.lines.1.year": ["Scrivi un anno tra 2000 e 2100."],
        f"{FIELD}.vouchers.0.beneficiary": ["Indirizzo e-mail non valido."],
        f"{FIELD}.vouchers.0.value": [AMOUNT],
    }
    assert ledger_rows(app, slug) == before


DOES_NOT_FIT = """
[[funds]]
name = "Bilancio comunale"

[[lines]]
funder = "012127"
year = 2026
fund = "Bilancio comunale"
amount = "500.00"

[[vouchers]]
ref = "prova-uno"
funder = "012127"
year = 2026
fund = "Bilancio comunale"
beneficiary = "cittadino@{slug}.example.org"
value = "300.00"
copay_percent = 20
categories = ["anziani", "giardinaggio"]
valid_from = 2026-01-15
valid_to = 2026-12-31
deliveries = [
  {{ cooperative = "coop-esempio", on = 2026-01-14, cost = "40.00" }},
  {{ cooperative = "coop-sconosciuta", on = 2026-02-02, cost = "300.00" }},
  {{ cooperative = "coop-esempio", on = 2026-03-02, cost = "350.00" }},
]

[[vouchers]]
ref = "prova-uno"
funder = "012127"
year = 2026
fund = "Bilancio comunale"
beneficiary = "cittadino@{slug}.example.org"
value = "300.00"
categories = ["anziani"]
valid_from = 2028-01-15
valid_to = 2027-12-31

[[vouchers]]
ref = "prova-tre"
funder = "012044"
year = 2026
fund = "Bilancio comunale"
beneficiary = "cittadino@{slug}.example.org"
value = "10.00"
categories = ["anziani"]
valid_from = 2026-01-15
valid_to = 2026-12-31
"""


def test_vouchers_and_deliveries_must_fit_their_line_voucher_and_dates(app, tmp_path):
    slug = _slug()
    errors = _refused(app, write_definition(tmp_path / slug, slug, DOES_NOT_FIT))
    assert errors == {
        f"{FIELD}.vouchers.0.categories": ["Categoria sconosciuta: giardinaggio."],
        f"{FIELD}.vouchers.0.deliveries.0.on": ["In quella data il voucher non era valido."],
        f"{FIELD}.vouchers.0.deliveries.1.cooperative": ["Cooperativa sconosciuta."],
        # 80% of 40 € and 300 € taken, 28 € are left: 80% of 350 € is 280 €.
        f"{FIELD}.vouchers.0.deliveries.2.cost": [
            "Il voucher ha ancora 28,00 €: la quota del voucher (280,00 €) lo supera."
        ],
        f"{FIELD}.vouchers.1.ref": ["Questo identificativo compare più volte."],
        f"{FIELD}.vouchers.1.valid_to": ["La scadenza viene dopo l'inizio della validità."],
        f"{FIELD}.vouchers.1.valid_from": [
            "La validità comincia nell'anno della voce di bilancio (2026)."
        ],
        f"{FIELD}.vouchers.1.value": [
            "La voce ha disponibili 200,00 €: non basta per questo voucher."
        ],
        f"{FIELD}.vouchers.2.fund": ["Nessuna voce in [[lines]] per questo comune, anno e fondo."],
    }
    with app.app_context():
        assert db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug)) is None


def test_a_delivery_outside_the_accreditation_is_refused_and_none_of_the_budget_stays(
    app, tmp_path
):
    """What only the district's database can tell (the cooperative was not accredited there on
    that day) is found while importing: the import writes none of the file."""
    slug = _slug()
    path = write_definition(tmp_path / slug, slug)
    (path / "network.toml").write_text(NETWORK)  # no accreditation for the elderly in Tradate
    assert _refused(app, path) == {
        f"{FIELD}.vouchers.0.deliveries.0.on": [
            "In quella data la cooperativa non era accreditata per questo voucher."
        ]
    }
    with app.app_context(), tenant_context(slug) as tenant:
        assert db.session.scalar(sa.select(sa.func.count(BudgetLine.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Transaction.id))) == 0
        with pytest.raises(InvalidInput):
            import_budget(tenant, {"budget": "budget.toml"}, path)
        assert db.session.scalar(sa.select(sa.func.count(Voucher.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Fund.id))) == 0


def test_the_budget_file_stays_in_the_definition_folder(app, tmp_path):
    slug = _slug()
    path = write_definition(tmp_path / slug, slug)
    shutil.copy(path / "budget.toml", tmp_path / "outside.toml")
    tenant = (path / "tenant.toml").read_text().replace('"budget.toml"', '"../outside.toml"')
    (path / "tenant.toml").write_text(tenant)
    assert _refused(app, path) == {
        FIELD: ["Il file delle voci di bilancio deve stare nella cartella della definizione."]
    }
