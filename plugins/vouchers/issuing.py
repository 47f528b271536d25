"""Issuing vouchers, cancelling them, and letting them expire: each commits or releases money on
its budget line through the ledger, in the same database transaction as the voucher's record.

The reason a voucher is issued is special-category text: encrypted, and every time staff read or
write it an audit row says who (the person sees them at /i-miei-dati-sociali).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import (
    Conflict,
    InvalidInput,
    Role,
    User,
    current_tenant,
    db,
    record_access,
    send_mail,
    tenant_url,
    today,
    utcnow,
)
from plugins.catalog.models import Service, ServiceStatus
from plugins.cooperatives.models import Category
from plugins.vouchers import access, budgets
from plugins.vouchers.models import BudgetLine, Voucher, VoucherStatus
from plugins.wallet import ledger
from plugins.wallet.models import AccountKind

log = logging.getLogger(__name__)
VOUCHER = "vouchers.voucher"  # the audit's record type
# Codes are read aloud at a desk and typed at a cooperative: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 10
LONGEST_VALIDITY_DAYS = 3 * 366
EXPIRY_JOB = "vouchers.expire"


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(text: str | None) -> str | None:
    """A code as people type it (lower case, spaces, no dashes) in its printed form, or None."""
    if not text:
        return None
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@dataclass(frozen=True)
class VoucherInput:
    line_id: int
    beneficiary_id: int
    category_ids: tuple[int, ...]
    service_ids: tuple[int, ...]
    valid_from: date
    valid_to: date
    value_cents: int | None = None  # a value voucher
    minutes: int | None = None  # an hours voucher: its hours, in minutes, at its rate
    hourly_rate_cents: int | None = None
    copay_percent: int = 0
    reason: str | None = None
    care_plan_item_id: int | None = None

    @property
    def total_cents(self) -> int:
        if self.minutes is not None and self.hourly_rate_cents is not None:
            return hours_cost(self.minutes, self.hourly_rate_cents)
        return self.value_cents or 0


def hours_cost(minutes: int, hourly_rate_cents: int) -> int:
    """What `minutes` cost at an hourly rate, to the cent (half a cent rounds up)."""
    return (minutes * hourly_rate_cents * 2 + 60) // 120


def beneficiaries() -> sa.Select:
    """Who may receive a voucher: citizens of the district with an account still open."""
    from condiviso.plugin_api import RoleGrant

    return (
        sa.select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.CITIZEN.value, User.deleted_at.is_(None))
    )


def coverable_services() -> list[Service]:
    """The services a voucher may name: published, delivered by a cooperative."""
    return list(
        db.session.scalars(
            sa.select(Service)
            .where(
                Service.status == ServiceStatus.PUBLISHED.value,
                Service.cooperative_id.is_not(None),
            )
            .order_by(Service.title)
        )
    )


def _check(user, clean: VoucherInput) -> tuple[BudgetLine, User, list[Category], list[Service]]:
    """Everything a voucher needs, checked before anything is written."""
    errors: dict[str, list[str]] = {}
    line = db.session.get(BudgetLine, clean.line_id) if access.is_id(clean.line_id) else None
    if line is None or not access.may_manage_line(user, line):
        errors["line_id"] = [_("Scegli una delle tue voci di bilancio.")]
    beneficiary = (
        db.session.scalar(beneficiaries().where(User.id == clean.beneficiary_id))
        if access.is_id(clean.beneficiary_id)
        else None
    )
    if beneficiary is None:
        errors["beneficiary"] = [
            _(
                "Nessun cittadino registrato con questi dati: registralo prima, "
                "anche allo sportello."
            )
        ]
    categories = [
        c for c in (db.session.get(Category, i) for i in clean.category_ids if access.is_id(i)) if c
    ]
    offered = {s.id: s for s in coverable_services()}
    services = [offered[i] for i in clean.service_ids if i in offered]
    if len(categories) != len(set(clean.category_ids)):
        errors["category_ids"] = [_("Scegli le categorie dall'elenco.")]
    if len(services) != len(set(clean.service_ids)):
        errors["service_ids"] = [_("Scegli servizi accreditati dall'elenco.")]
    if not categories and not services:
        errors.setdefault("category_ids", []).append(
            _("Indica almeno una categoria o un servizio che il voucher copre.")
        )
    if clean.valid_to < clean.valid_from:
        errors["valid_to"] = [_("La scadenza viene dopo l'inizio della validità.")]
    elif clean.valid_to < today():
        errors["valid_to"] = [_("La scadenza è già passata.")]
    elif (clean.valid_to - clean.valid_from).days > LONGEST_VALIDITY_DAYS:
        errors["valid_to"] = [_("Un voucher vale al massimo tre anni.")]
    if line is not None and not (line.year - 1 <= clean.valid_from.year <= line.year + 1):
        errors["valid_from"] = [
            _("La validità comincia nell'anno della voce di bilancio (%(year)d).", year=line.year)
        ]
    if clean.total_cents <= 0:
        errors["value"] = [_("Scrivi un valore maggiore di zero.")]
    if not 0 <= clean.copay_percent <= 99:
        errors["copay_percent"] = [_("La quota della famiglia va da 0 a 99 per cento.")]
    if errors:
        raise InvalidInput(errors)
    return line, beneficiary, categories, services


def issue(user, clean: VoucherInput, key: str) -> Voucher:
    """A voucher issued from a line: its value moves from the line to the voucher (refused if
    the line has not enough available, also with others issuing at once), the beneficiary is
    told by e-mail. A retried form returns the voucher it already issued."""
    access.check_money_staff(user)
    access.check_writable()
    done = ledger.find_transaction(key)
    if done is not None:
        return _voucher_of(done)
    line, beneficiary, categories, services = _check(user, clean)
    budgets.refuse_closed_line(line)
    code = new_code()
    while db.session.scalar(sa.select(Voucher.id).where(Voucher.code == code)) is not None:
        code = new_code()
    account = ledger.open_account(
        AccountKind.VOUCHER, f"vouchers.voucher:{code}", _("Voucher %(code)s", code=code)
    )
    voucher = Voucher(
        code=code,
        line_id=line.id,
        account_id=account.id,
        beneficiary_user_id=beneficiary.id,
        value_cents=clean.total_cents,
        minutes=clean.minutes,
        hourly_rate_cents=clean.hourly_rate_cents if clean.minutes is not None else None,
        copay_percent=clean.copay_percent,
        valid_from=clean.valid_from,
        valid_to=clean.valid_to,
        reason=clean.reason,
        care_plan_item_id=clean.care_plan_item_id,
        issued_by_user_id=user.id,
        issuer_label=access.actor(user).label,
    )
    voucher.categories, voucher.services = categories, services
    voucher.account, voucher.line, voucher.beneficiary = account, line, beneficiary
    db.session.add(voucher)
    db.session.flush()
    transaction = ledger.post(
        budgets.ISSUE,
        [(line.account, -voucher.value_cents), (account, voucher.value_cents)],
        key=key,
        actor=access.actor(user),
        reason=_("Emissione del voucher %(code)s", code=code),
        overdrawn=budgets.overcommit_message,
    )
    if account.id not in {entry.account_id for entry in transaction.entries}:
        # The same form, sent twice at once: the other one issued it while this one waited.
        db.session.rollback()
        return _voucher_of(ledger.find_transaction(key))
    record_access("create", VOUCHER, voucher.id, subject_user_id=beneficiary.id)
    _tell_issued(voucher)
    return voucher


def _voucher_of(transaction) -> Voucher:
    """The voucher an issue transaction created (a form sent twice)."""
    account_ids = {e.account_id for e in transaction.entries}
    voucher = db.session.scalar(sa.select(Voucher).where(Voucher.account_id.in_(account_ids)))
    if voucher is None or transaction.kind != budgets.ISSUE:
        raise InvalidInput(
            {"_schema": [_("Il modulo non è valido: ricarica la pagina e riprova.")]}
        )
    return voucher


def _tell_issued(voucher: Voucher) -> None:
    """The beneficiary's e-mail (through the job queue); a person without e-mail gets the
    printed voucher at the desk."""
    person = voucher.beneficiary
    if not person.email:
        return
    send_mail(
        current_tenant(),
        person.email,
        "vouchers_issued",
        person.locale or "it",
        voucher=voucher,
        wallet_url=tenant_url(current_tenant(), "/il-mio-borsellino"),
    )


def staff_voucher(user, voucher_id: int, purpose: str = "read") -> Voucher:
    """A voucher as money staff or desk staff open it (their lines; any for operators at a
    desk, who print it for the person), audited."""
    voucher = db.session.get(Voucher, voucher_id) if access.is_id(voucher_id) else None
    if voucher is None or user is None:
        raise access.not_found()
    if not (access.may_manage_line(user, voucher.line) or user.has_role(Role.OPERATOR)):
        raise access.not_found()
    access.check_writable()  # reading is audited: a read-only district keeps its vouchers shut
    record_access(purpose, VOUCHER, voucher.id, subject_user_id=voucher.beneficiary_user_id)
    return voucher


def vouchers_of_lines(user, status: str | None = None, limit: int = 200) -> list[Voucher]:
    """The vouchers of the lines `user` manages, newest first."""
    query = (
        sa.select(Voucher)
        .join(Voucher.line)
        .where(access.lines_scope(user))
        .order_by(Voucher.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(Voucher.status == status)
    return list(db.session.scalars(query))


def _release(voucher: Voucher, kind: str, key: str, actor: ledger.Actor, reason: str) -> None:
    """What is left on a voucher back to its line (nothing to move: no movement)."""
    locked = ledger.lock_accounts([voucher.account_id, voucher.line.account_id])
    left = locked[voucher.account_id].balance_cents
    if left > 0:
        ledger.post(
            kind,
            [(voucher.account, -left), (voucher.line.account, left)],
            key=key,
            actor=actor,
            reason=reason,
        )


def cancel(user, voucher_id: int, reason: str) -> Voucher:
    """Cancel a running voucher (staff of its line): what is left goes back to the line."""
    voucher = staff_voucher(user, voucher_id, "update")
    if not access.may_manage_line(user, voucher.line):
        raise access.not_found()
    if voucher.status != VoucherStatus.ACTIVE.value:
        raise Conflict(_("Il voucher non è attivo: non si può annullare."))
    _release(
        voucher,
        budgets.CANCELLATION,
        f"vouchers.cancel:{voucher.id}",
        access.actor(user),
        _("Annullamento: %(reason)s", reason=reason),
    )
    voucher.status, voucher.closed_at = VoucherStatus.CANCELLED.value, utcnow()
    db.session.flush()
    return voucher


def expire_due(on: date | None = None) -> int:
    """Every running voucher whose validity ended before `on` (today) expires: what is left
    goes back to its line, one transaction per voucher, each committed on its own. Run twice,
    or by two workers at once, it releases each voucher once (the key is the voucher's)."""
    on = on or today()
    due = list(
        db.session.scalars(
            sa.select(Voucher.id)
            .where(Voucher.status == VoucherStatus.ACTIVE.value, Voucher.valid_to < on)
            .order_by(Voucher.id)
        )
    )
    job = ledger.Actor(_("Scadenza automatica"))
    expired = 0
    for voucher_id in due:
        voucher = db.session.get(Voucher, voucher_id)
        ledger.lock_accounts([voucher.account_id])
        db.session.refresh(voucher)
        if voucher.status != VoucherStatus.ACTIVE.value:  # another worker got there first
            db.session.rollback()
            continue
        _release(
            voucher,
            budgets.EXPIRY,
            f"vouchers.expiry:{voucher.id}",
            job,
            _("Scadenza del voucher %(code)s", code=voucher.code),
        )
        voucher.status, voucher.closed_at = VoucherStatus.EXPIRED.value, utcnow()
        db.session.commit()
        expired += 1
    return expired


def vouchers_of_line(line: BudgetLine, limit: int = 500) -> list[Voucher]:
    return list(
        db.session.scalars(
            sa.select(Voucher)
            .where(Voucher.line_id == line.id)
            .order_by(Voucher.id.desc())
            .limit(limit)
        )
    )


def vouchers_of_person(user, person: User) -> list[Voucher]:
    """A person's vouchers as a desk sees them (operators: all; comune staff: their lines')."""
    query = sa.select(Voucher).where(Voucher.beneficiary_user_id == person.id)
    if not user.has_role(Role.OPERATOR):
        query = query.join(Voucher.line).where(access.lines_scope(user))
    return list(db.session.scalars(query.order_by(Voucher.id.desc())))


def movements(voucher: Voucher) -> list:
    """Every entry on the voucher's account, oldest first (issue, deliveries, release)."""
    return ledger.entries_of([voucher.account_id])


def plan_item(item_id: int):
    """A care plan's item funded by voucher, for a voucher issued from it; None otherwise."""
    from plugins.care_plans.models import Funding, PlanItem

    if not access.is_id(item_id):
        return None
    item = db.session.get(PlanItem, item_id)
    return item if item is not None and item.funding == Funding.VOUCHER.value else None
