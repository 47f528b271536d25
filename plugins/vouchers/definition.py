"""Budget lines and vouchers from a tenant definition: `[plugins.vouchers] budget = "budget.toml"`
names a file in the definition's folder listing

- `[[funds]]`: the funds the lines draw on, by name (created if missing);
- `[[lines]]`: what a funder (a comune by ISTAT code, or "distretto") puts in a fund for a year,
  the amount in euro as a string ("45000.00", never a TOML number: no float touches money);
- `[[vouchers]]`: vouchers for people who already have an account (by e-mail; the sample
  citizens of a sample district), each from one of the file's lines, with the categories it
  covers, its validity, and optionally `deliveries` a cooperative (by slug) recorded on it.

Everything is checked before anything is written, with a message per field; then each record is
written once and found again by a deterministic idempotency key
(`definition:vouchers:line:<istat or distretto>:<year>:<fund id>`, `…:voucher:<ref>`,
`…:delivery:<ref>:<n>`), so applying the same file twice has the effect of once. A line whose
amount changes in the file gets the difference as a further movement (never an edit); lines,
vouchers and deliveries made in the app are left as they are; nothing is ever deleted. A voucher
for someone without an account (a sample citizen in production, say) is left out, and nobody
is sent an e-mail.

In a sample district every note and reason written says "dati di esempio".
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from condiviso.plugin_api import (
    Comune,
    InvalidInput,
    NotFound,
    Schema,
    TenantInfo,
    TenantStatus,
    User,
    db,
    deliverable_email,
    find_tenant,
    flatten_errors,
    record_access,
    tenant_context,
    today,
)
from plugins.cooperatives.definition import known_in_database, network_file, read_network
from plugins.cooperatives.models import Category, Cooperative
from plugins.cooperatives.schemas import InputSchema, Slug, text
from plugins.vouchers import budgets, issuing, redeeming
from plugins.vouchers.models import (
    BudgetLine,
    Choice,
    Delivery,
    Fund,
    Voucher,
    VoucherStatus,
    funder_key,
)
from plugins.wallet import ledger
from plugins.wallet.models import AccountKind, Entry, Transaction
from plugins.wallet.money import MAX_CENTS, format_cents, parse_cents

log = logging.getLogger(__name__)
FIELD = "plugins.vouchers.budget"
DISTRICT = "distretto"  # the funder of the district's own lines (Ufficio di Piano)
KEY = "definition:vouchers"
SAMPLE = "dati di esempio"
NOTES_LENGTH = 300 - len(f" ({SAMPLE})")
AMOUNT_MESSAGE = _l(
    'Scrivi l\'importo in euro tra virgolette, maggiore di zero: per esempio "45000.00".'
)


def actor() -> ledger.Actor:
    """Who moves the money a definition writes: no person, the definition."""
    return ledger.Actor(_("Definizione del distretto (condiviso tenant apply)"))


# -- the file --------------------------------------------------------------------------------------


class Cents(fields.Field):
    """An amount in euro written as a string ("45000.00", "1.234,50"), loaded as integer cents
    above zero. A TOML number is refused: a float is not money, and an integer could be read as
    euro by one person and as cents by another."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        cents = parse_cents(value) if isinstance(value, str) and value.isascii() else None
        if cents is None or not 0 < cents <= MAX_CENTS:
            raise ma.ValidationError(str(AMOUNT_MESSAGE))
        return cents


def _funder() -> fields.String:
    message = _l("Indica il codice ISTAT del comune (6 cifre) o «distretto».")
    return fields.String(
        required=True,
        validate=validate.Regexp(rf"^([0-9]{{6}}|{DISTRICT})$", error=message),
        metadata={"message": message},
    )


def _year() -> fields.Integer:
    message = _l("Scrivi un anno tra %(a)d e %(b)d.", a=budgets.FIRST_YEAR, b=budgets.LAST_YEAR)
    return fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=budgets.FIRST_YEAR, max=budgets.LAST_YEAR, error=message),
        metadata={"message": message},
    )


def _fund() -> fields.String:
    return text(120, required=_l("Indica il fondo per nome, come in [[funds]]."))


def _day(message: str) -> fields.Date:
    return fields.Date(required=True, metadata={"message": message})


class FundEntry(InputSchema):
    name = text(120, required=_l("Scrivi il nome del fondo."))
    description = text(300)


class LineEntry(InputSchema):
    funder = _funder()
    year = _year()
    fund = _fund()
    amount = Cents(required=True, metadata={"message": AMOUNT_MESSAGE})
    notes = text(NOTES_LENGTH)


class DeliveryEntry(InputSchema):
    cooperative = fields.String(
        required=True, metadata={"message": _l("Indica la cooperativa per identificativo.")}
    )
    on = _day(_l("Indica la data della prestazione nel formato AAAA-MM-GG."))
    cost = Cents(required=True, metadata={"message": AMOUNT_MESSAGE})
    note = text(NOTES_LENGTH)


class VoucherEntry(InputSchema):
    ref = Slug(60)
    funder = _funder()
    year = _year()
    fund = _fund()
    beneficiary = fields.String(
        required=True,
        validate=[validate.Length(max=254, error=_l("Indirizzo troppo lungo.")), deliverable_email],
        metadata={"message": _l("Indica l'e-mail della persona a cui va il voucher.")},
    )
    value = Cents(required=True, metadata={"message": AMOUNT_MESSAGE})
    categories = fields.List(
        fields.String(),
        required=True,
        validate=validate.Length(
            min=1, error=_l("Indica almeno una categoria che il voucher copre.")
        ),
        metadata={"message": _l("Indica almeno una categoria che il voucher copre.")},
    )
    copay_percent = fields.Integer(
        load_default=0,
        strict=True,
        validate=validate.Range(
            min=0, max=99, error=_l("La quota della famiglia va da 0 a 99 per cento.")
        ),
        metadata={"message": _l("La quota della famiglia va da 0 a 99 per cento.")},
    )
    valid_from = _day(_l("Indica la data di inizio nel formato AAAA-MM-GG."))
    valid_to = _day(_l("Indica la data di fine nel formato AAAA-MM-GG."))
    reason = text(2000, multiline=True)
    deliveries = fields.List(fields.Nested(DeliveryEntry), load_default=list)


class BudgetFile(Schema):
    funds = fields.List(fields.Nested(FundEntry), load_default=list)
    lines = fields.List(fields.Nested(LineEntry), load_default=list)
    vouchers = fields.List(fields.Nested(VoucherEntry), load_default=list)


def budget_file(section: Mapping[str, Any], source_dir: Path) -> Path | None:
    """The budget file the section names, inside the definition's folder; None if it names
    none. `InvalidInput` if the name is wrong or the file is missing."""
    name = section.get("budget")
    if name is None:
        return None
    if not isinstance(name, str) or not name:
        raise InvalidInput({FIELD: [_("Indica il nome del file delle voci di bilancio.")]})
    base = source_dir.resolve()
    path = (base / name).resolve()
    if base not in path.parents:
        raise InvalidInput(
            {
                FIELD: [
                    _("Il file delle voci di bilancio deve stare nella cartella della definizione.")
                ]
            }
        )
    if not path.is_file():
        raise InvalidInput(
            {FIELD: [_("Non trovo il file delle voci di bilancio %(name)s.", name=name)]}
        )
    return path


def read_budget(path: Path) -> dict[str, Any]:
    """The budget file, parsed and checked field by field (`InvalidInput` otherwise)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(
            {FIELD: [_("Il file non è TOML valido: %(error)s", error=str(error))]}
        ) from None
    try:
        return BudgetFile().load(raw)
    except ma.ValidationError as error:
        raise InvalidInput(
            {f"{FIELD}.{key}": messages for key, messages in flatten_errors(error.messages).items()}
        ) from None


# -- the checks across records ---------------------------------------------------------------------


@dataclass
class Known:
    """What the file's references may name besides what the file itself defines."""

    comuni: set[str] = field(default_factory=set)
    funds: set[str] = field(default_factory=set)  # lower-case names
    categories: set[str] = field(default_factory=set)
    cooperatives: set[str] = field(default_factory=set)


def line_of(record: Mapping[str, Any]) -> tuple[str, int, str]:
    """The line a record names: (funder, year, fund's name in lower case)."""
    return record["funder"], record["year"], record["fund"].strip().lower()


def check_budget(budget: Mapping[str, Any], known: Known, on: date) -> None:
    """The checks across records: unique names and keys, references that resolve, validity
    periods, and money that fits (the vouchers in their line, the deliveries in their voucher).
    `InvalidInput` with a message per field otherwise."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(f"{FIELD}.{key}", []).append(message)

    funds = set()
    for index, fund in enumerate(budget["funds"]):
        name = fund["name"].lower()
        if name in funds:
            add(f"funds.{index}.name", _("Questo fondo compare più volte."))
        funds.add(name)
    funds |= known.funds
    lines: dict[tuple[str, int, str], dict[str, Any]] = {}
    for index, line in enumerate(budget["lines"]):
        if line["funder"] != DISTRICT and line["funder"] not in known.comuni:
            add(
                f"lines.{index}.funder",
                _("Il comune %(code)s non è del distretto.", code=line["funder"]),
            )
        if line_of(line)[2] not in funds:
            add(f"lines.{index}.fund", _("Fondo sconosciuto: elencalo in [[funds]]."))
        if line_of(line) in lines:
            add(f"lines.{index}", _("Questa voce di bilancio compare più volte."))
        lines[line_of(line)] = {"year": line["year"], "left": line["amount"]}
    refs = set()
    for index, voucher in enumerate(budget["vouchers"]):
        where = f"vouchers.{index}"
        if voucher["ref"] in refs:
            add(f"{where}.ref", _("Questo identificativo compare più volte."))
        refs.add(voucher["ref"])
        for slug in voucher["categories"]:
            if slug not in known.categories:
                add(f"{where}.categories", _("Categoria sconosciuta: %(slug)s.", slug=slug))
        start, end = voucher["valid_from"], voucher["valid_to"]
        if end < start:
            add(f"{where}.valid_to", _("La scadenza viene dopo l'inizio della validità."))
        elif (end - start).days > issuing.LONGEST_VALIDITY_DAYS:
            add(f"{where}.valid_to", _("Un voucher vale al massimo tre anni."))
        line = lines.get(line_of(voucher))
        if line is None:
            add(
                f"{where}.fund",
                _("Nessuna voce in [[lines]] per questo comune, anno e fondo."),
            )
        else:
            if not line["year"] - 1 <= start.year <= line["year"] + 1:
                add(
                    f"{where}.valid_from",
                    _(
                        "La validità comincia nell'anno della voce di bilancio (%(year)d).",
                        year=line["year"],
                    ),
                )
            if voucher["value"] > line["left"]:
                add(
                    f"{where}.value",
                    _(
                        "La voce ha disponibili %(available)s: non basta per questo voucher.",
                        available=format_cents(line["left"]),
                    ),
                )
            else:
                line["left"] -= voucher["value"]
        left = voucher["value"]
        for number, delivery in enumerate(voucher["deliveries"]):
            there = f"{where}.deliveries.{number}"
            if delivery["cooperative"] not in known.cooperatives:
                add(f"{there}.cooperative", _("Cooperativa sconosciuta."))
            if delivery["on"] > on:
                add(f"{there}.on", _("La data non può essere nel futuro."))
            elif not start <= delivery["on"] <= end:
                add(f"{there}.on", _("In quella data il voucher non era valido."))
            share = redeeming.voucher_share(voucher["copay_percent"], delivery["cost"])
            if share > left:
                add(
                    f"{there}.cost",
                    _(
                        "Il voucher ha ancora %(left)s: la quota del voucher (%(amount)s) lo "
                        "supera.",
                        left=format_cents(left),
                        amount=format_cents(share),
                    ),
                )
            else:
                left -= share
    if errors:
        raise InvalidInput(errors)


# -- validation, before anything changes -----------------------------------------------------------


def _network_names(definition: Mapping[str, Any], source_dir: Path) -> tuple[set[str], set[str]]:
    """The categories and cooperatives the same definition's network file creates."""
    section = definition["plugins"].get("cooperatives", {})
    try:
        path = network_file(section, source_dir)
        network = read_network(path) if path is not None else None
    except InvalidInput:
        return set(), set()  # the cooperatives plugin reports its own file's problems
    if network is None:
        return set(), set()
    return (
        {c["slug"] for c in network["categories"]},
        {c["slug"] for c in network["cooperatives"]},
    )


def _funds_in_database(slug: str) -> set[str]:
    try:
        tenant = find_tenant(slug)
    except NotFound:
        return set()
    if tenant.status is not TenantStatus.ACTIVE:
        return set()
    with tenant_context(tenant):
        return {name.lower() for name in db.session.scalars(sa.select(Fund.name))}


def validate_definition(definition: Mapping[str, Any], source_dir: Path) -> dict[str, list[str]]:
    """The problems of the budget file a definition names (empty when it names none or it is
    fine): what it references may be in the definition, its network file, or the district's
    database if the district exists already."""
    section = definition["plugins"].get("vouchers", {})
    try:
        path = budget_file(section, source_dir)
        if path is None:
            return {}
        budget = read_budget(path)
        database = known_in_database(definition["slug"])
        categories, cooperatives = _network_names(definition, source_dir)
        known = Known(
            comuni={c["istat_code"] for c in definition["comuni"]} | database.comuni,
            funds=_funds_in_database(definition["slug"]),
            categories=categories | database.categories,
            cooperatives=cooperatives | set(database.cooperatives),
        )
        check_budget(budget, known, today())
    except InvalidInput as error:
        return error.errors
    return {}


# -- the import ------------------------------------------------------------------------------------


def import_budget(tenant: TenantInfo, section: Mapping[str, Any], source_dir: Path) -> None:
    """Write what the budget file lists that is not written yet, in the current tenant; the
    caller commits. `InvalidInput` (and nothing of it written) if something is wrong."""
    path = budget_file(section, source_dir)
    if path is None:
        return
    budget = read_budget(path)
    known = Known(
        comuni=set(db.session.scalars(sa.select(Comune.istat_code))),
        funds={name.lower() for name in db.session.scalars(sa.select(Fund.name))},
        categories=set(db.session.scalars(sa.select(Category.slug))),
        cooperatives=set(db.session.scalars(sa.select(Cooperative.slug))),
    )
    check_budget(budget, known, today())
    writer = _Writer(sample=tenant.sample)
    try:
        for fund in budget["funds"]:
            writer.fund(fund)
        lines = {
            line_of(record): writer.line(index, record)
            for index, record in enumerate(budget["lines"])
        }
        for index, record in enumerate(budget["vouchers"]):
            writer.voucher(index, record, lines[line_of(record)])
        db.session.flush()
    except InvalidInput:
        db.session.rollback()
        raise


@dataclass
class _Writer:
    sample: bool

    def mark(self, text: str | None) -> str:
        """The text, saying "dati di esempio" in a sample district."""
        text = (text or "").strip()
        if self.sample and SAMPLE not in text.lower():
            text = f"{text} ({SAMPLE})" if text else SAMPLE.capitalize()
        return text

    # funds

    def fund(self, record: Mapping[str, Any]) -> Fund:
        found = self.find_fund(record["name"])
        if found is None:
            found = Fund(name=record["name"], description=record["description"])
            db.session.add(found)
            db.session.flush()
        elif record["description"] is not None and found.description != record["description"]:
            found.description = record["description"]
        return found

    @staticmethod
    def find_fund(name: str) -> Fund | None:
        return db.session.scalar(sa.select(Fund).where(sa.func.lower(Fund.name) == name.lower()))

    # lines

    def line(self, index: int, record: Mapping[str, Any]) -> BudgetLine:
        """The line, opened with its allocation if missing; a line the definition opened gets
        the difference when the file's amount changed; a line opened in the app is left as it
        is."""
        comune = (
            None
            if record["funder"] == DISTRICT
            else db.session.scalar(sa.select(Comune).where(Comune.istat_code == record["funder"]))
        )
        fund = self.find_fund(record["fund"])
        funder = funder_key(comune.id if comune is not None else None)
        key = f"{KEY}:line:{record['funder']}:{record['year']}:{fund.id}"
        notes = self.mark(record["notes"])
        found = db.session.scalar(
            sa.select(BudgetLine).where(
                BudgetLine.funder == funder,
                BudgetLine.year == record["year"],
                BudgetLine.fund_id == fund.id,
            )
        )
        opened = found is None
        if opened:
            found = BudgetLine(
                funder=funder,
                comune_id=comune.id if comune is not None else None,
                year=record["year"],
                fund_id=fund.id,
                notes=notes or None,
            )
            found.fund, found.comune = fund, comune
            account = ledger.open_account(
                AccountKind.BUDGET_LINE,
                f"vouchers.line:{funder}:{record['year']}:{fund.id}",
                found.title,
            )
            found.account_id, found.account = account.id, account
            db.session.add(found)
            db.session.flush()
        allocated, movements = self.allocated_by_definition(found, key)
        if not opened and movements == 0:
            return found  # opened in the app: its money and notes are the app's
        if notes and found.notes != notes:
            found.notes = notes
        change = record["amount"] - allocated
        if change:
            self.allocate(index, found, change, key if movements == 0 else f"{key}:{movements}")
        return found

    @staticmethod
    def allocated_by_definition(line: BudgetLine, key: str) -> tuple[int, int]:
        """(what the definition's movements put on the line, how many there are)."""
        mine = sa.or_(
            Transaction.idempotency_key == key, Transaction.idempotency_key.like(f"{key}:%")
        )
        total, count = db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(Entry.amount_cents), 0), sa.func.count())
            .join(Entry.transaction)
            .where(Entry.account_id == line.account_id, mine)
        ).one()
        return int(total), int(count)

    def allocate(self, index: int, line: BudgetLine, cents: int, key: str) -> None:
        source = budgets.funding_account(line.comune)
        if cents > 0:
            kind, moves = budgets.ALLOCATION, [(source, -cents), (line.account, cents)]
            reason = _("Stanziamento dalla definizione del distretto")
        else:
            kind, moves = budgets.ALLOCATION_REDUCED, [(line.account, cents), (source, -cents)]
            reason = _("Stanziamento ridotto dalla definizione del distretto")
        try:
            ledger.post(kind, moves, key=key, actor=actor(), reason=self.mark(reason))
        except ledger.Overdrawn as error:
            raise InvalidInput(
                {
                    f"{FIELD}.lines.{index}.amount": [
                        _(
                            "Non puoi togliere più di quanto è disponibile sulla voce "
                            "(%(available)s).",
                            available=format_cents(error.account.balance_cents),
                        )
                    ]
                }
            ) from None

    # vouchers

    def voucher(self, index: int, record: Mapping[str, Any], line: BudgetLine) -> None:
        """The voucher, issued if missing (and its beneficiary has an account), and the
        deliveries on it not recorded yet."""
        where = f"{FIELD}.vouchers.{index}"
        key = f"{KEY}:voucher:{record['ref']}"
        done = ledger.find_transaction(key)
        if done is not None:
            voucher = db.session.scalar(
                sa.select(Voucher).where(
                    Voucher.account_id.in_([entry.account_id for entry in done.entries])
                )
            )
        else:
            voucher = self.issue(where, key, record, line)
        if voucher is None:
            return
        for number, delivery in enumerate(record["deliveries"]):
            self.delivery(f"{where}.deliveries.{number}", record["ref"], number, voucher, delivery)

    def issue(
        self, where: str, key: str, record: Mapping[str, Any], line: BudgetLine
    ) -> Voucher | None:
        beneficiary = db.session.scalar(
            issuing.beneficiaries().where(
                sa.func.lower(User.email) == record["beneficiary"].lower()
            )
        )
        if beneficiary is None:
            log.info("voucher %s left out: no citizen %s", record["ref"], record["beneficiary"])
            return None
        if not line.fund.active:
            raise InvalidInput(
                {
                    f"{where}.fund": [
                        _(
                            "Il fondo «%(fund)s» è chiuso: non si emettono voucher.",
                            fund=line.fund.name,
                        )
                    ]
                }
            )
        categories = [
            db.session.scalar(sa.select(Category).where(Category.slug == slug))
            for slug in record["categories"]
        ]
        code = issuing.new_code()
        while db.session.scalar(sa.select(Voucher.id).where(Voucher.code == code)) is not None:
            code = issuing.new_code()
        account = ledger.open_account(
            AccountKind.VOUCHER, f"vouchers.voucher:{code}", _("Voucher %(code)s", code=code)
        )
        voucher = Voucher(
            code=code,
            line_id=line.id,
            account_id=account.id,
            beneficiary_user_id=beneficiary.id,
            value_cents=record["value"],
            copay_percent=record["copay_percent"],
            valid_from=record["valid_from"],
            valid_to=record["valid_to"],
            reason=self.mark(record["reason"]) if record["reason"] else None,
            issued_by_user_id=None,
            issuer_label=actor().label,
        )
        voucher.categories = categories
        voucher.account, voucher.line, voucher.beneficiary = account, line, beneficiary
        db.session.add(voucher)
        db.session.flush()
        try:
            ledger.post(
                budgets.ISSUE,
                [(line.account, -voucher.value_cents), (account, voucher.value_cents)],
                key=key,
                actor=actor(),
                reason=self.mark(_("Emissione del voucher %(code)s", code=code)),
                overdrawn=budgets.overcommit_message,
            )
        except ledger.Overdrawn as error:
            raise InvalidInput({f"{where}.value": [str(error)]}) from None
        record_access(
            "create",
            issuing.VOUCHER,
            voucher.id,
            subject_user_id=beneficiary.id,
            reason=self.mark(_("Definizione del distretto")),
        )
        return voucher

    def delivery(
        self, where: str, ref: str, number: int, voucher: Voucher, record: Mapping[str, Any]
    ) -> None:
        key = f"{KEY}:delivery:{ref}:{number}"
        if ledger.find_transaction(key) is not None:
            return
        cooperative = db.session.scalar(
            sa.select(Cooperative).where(Cooperative.slug == record["cooperative"])
        )
        day = record["on"]
        if voucher.status != VoucherStatus.ACTIVE.value:
            raise InvalidInput(
                {where: [_("Il voucher non è attivo: non si registrano prestazioni.")]}
            )
        accreditation = redeeming.accreditation_for(voucher, cooperative.id, day)
        if accreditation is None:
            raise InvalidInput(
                {
                    f"{where}.on": [
                        _("In quella data la cooperativa non era accreditata per questo voucher.")
                    ]
                }
            )
        if db.session.get(Choice, (voucher.id, cooperative.id)) is None:
            db.session.add(
                Choice(
                    voucher_id=voucher.id,
                    cooperative_id=cooperative.id,
                    chosen_by_label=actor().label,
                )
            )
        amount = redeeming.voucher_share(voucher.copay_percent, record["cost"])
        try:
            transaction = ledger.post(
                budgets.DELIVERY,
                [
                    (voucher.account, -amount),
                    (redeeming.receivable(cooperative, voucher.line.funder), amount),
                ],
                key=key,
                actor=actor(),
                reason=self.mark(_("Prestazione sul voucher %(code)s", code=voucher.code)),
            )
        except ledger.Overdrawn as error:
            raise InvalidInput(
                {
                    f"{where}.cost": [
                        _(
                            "Il voucher ha ancora %(left)s: la quota del voucher (%(amount)s) "
                            "lo supera.",
                            left=format_cents(error.account.balance_cents),
                            amount=format_cents(amount),
                        )
                    ]
                }
            ) from None
        db.session.add(
            Delivery(
                voucher_id=voucher.id,
                cooperative_id=cooperative.id,
                accreditation_id=accreditation.id,
                funder=voucher.line.funder,
                delivered_on=day,
                cost_cents=record["cost"],
                amount_cents=amount,
                note=self.mark(record["note"]) or None,
                transaction_id=transaction.id,
                recorded_by_user_id=None,
                recorded_by_label=actor().label,
            )
        )
        db.session.flush()
