"""What the staff's forms send, read and checked: the choices offered with their Italian labels,
and the submitted values of an intake, a plan and a plan's item turned into clean data or into
messages per field (`InvalidInput`). The services call these, so every door is checked alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from condiviso.plugin_api import CONTROL_CHARACTERS, EnumLabels, InvalidInput, clean_text, db, today
from plugins.care_plans.models import Area, Funding, Level, PlanStatus
from plugins.catalog.finding import visible_services
from plugins.catalog.models import Service

AREAS = EnumLabels(
    {
        Area.FAMILY: _l("Famiglia"),
        Area.HEALTH: _l("Salute"),
        Area.HOME: _l("Casa"),
        Area.WORK: _l("Lavoro"),
        Area.INCOME: _l("Reddito"),
        Area.ISOLATION: _l("Isolamento e solitudine"),
    }
)
LEVELS = EnumLabels(
    {
        Level.NOT_ASSESSED: _l("Non valutato"),
        Level.NONE: _l("Nessun bisogno"),
        Level.LOW: _l("Bisogno lieve"),
        Level.MEDIUM: _l("Bisogno medio"),
        Level.HIGH: _l("Bisogno alto"),
    }
)
FUNDING = EnumLabels(
    {
        Funding.COMUNE: _l("Comune"),
        Funding.VOUCHER: _l("Voucher"),
        Funding.CITIZEN: _l("Cittadino"),
        Funding.CORPORATE_CREDIT: _l("Credito di welfare aziendale"),
    }
)
STATUSES = EnumLabels(
    {
        PlanStatus.DRAFT: _l("bozza"),
        PlanStatus.SHARED: _l("condiviso con la persona"),
        PlanStatus.ACTIVE: _l("attivo"),
        PlanStatus.CLOSED: _l("concluso"),
    }
)
# How a citizen reads the audit of their records: who "read" / "changed" what.
RECORD_KINDS = {
    "care_plans.intake": _l("un tuo colloquio"),
    "care_plans.plan": _l("un tuo piano"),
    "care_plans.file": _l("l'elenco dei tuoi colloqui e piani"),
    "accounts.user": _l("il tuo account"),
    "accounts.activation_code": _l(
        "un nuovo codice di attivazione per il tuo account (con il codice si sceglie una nuova "
        "password)"
    ),
}
ACTIONS = {
    "read": _l("ha consultato"),
    "create": _l("ha registrato"),
    "update": _l("ha modificato"),
    "delete": _l("ha eliminato"),
}
NOTES_MAX = 5000
AREA_NOTES_MAX = 1000
GOALS_MAX = 20
GOAL_MAX = 300
COST_MAX = Decimal("99999.99")
Errors = dict[str, list[str]]


@dataclass(frozen=True)
class IntakeInput:
    held_on: date
    needs: dict[str, dict[str, str | None]]
    notes: str | None


@dataclass(frozen=True)
class PlanInput:
    review_on: date
    goals: str | None
    notes: str | None


@dataclass(frozen=True)
class ItemInput:
    service: Service | None
    title: str
    provider_name: str
    frequency: str
    cost: Decimal
    funding: str


def read_date(
    data: Mapping[str, Any], field: str, errors: Errors, earliest: date, latest: date
) -> date | None:
    """A required date written as AAAA-MM-GG, between `earliest` and `latest`."""
    value = data.get(field)
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        errors[field] = [_("Indica la data.")]
        return None
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        errors[field] = [_("Data non valida (usa il formato AAAA-MM-GG).")]
    elif not earliest <= day <= latest:
        errors[field] = [
            _(
                "La data deve essere tra il %(start)s e il %(end)s.",
                start=earliest.strftime("%d/%m/%Y"),
                end=latest.strftime("%d/%m/%Y"),
            )
        ]
        day = None
    return day


def read_intake(data: Mapping[str, Any]) -> IntakeInput:
    """An intake's date (not in the future), a level and notes per area, general notes."""
    errors: Errors = {}
    held_on = read_date(data, "held_on", errors, date(2000, 1, 1), today())
    needs: dict[str, dict[str, str | None]] = {}
    for area in Area:
        level = data.get(f"level_{area.value}") or Level.NOT_ASSESSED.value
        if level not in {lvl.value for lvl in Level}:
            errors[f"level_{area.value}"] = [_("Scegli un livello dall'elenco.")]
        notes = clean_text(data, f"notes_{area.value}", errors, AREA_NOTES_MAX)
        needs[area.value] = {"level": level, "notes": notes}
    notes = clean_text(data, "notes", errors, NOTES_MAX)
    if errors:
        raise InvalidInput(errors)
    return IntakeInput(held_on, needs, notes)  # type: ignore[arg-type]


def _goals(data: Mapping[str, Any], errors: Errors) -> str | None:
    text = clean_text(data, "goals", errors, NOTES_MAX)
    if not text:
        return None
    goals = [line.strip() for line in text.splitlines() if line.strip()]
    if len(goals) > GOALS_MAX or any(len(goal) > GOAL_MAX for goal in goals):
        errors["goals"] = [
            _(
                "Al massimo %(n)d obiettivi, di %(chars)d caratteri ciascuno.",
                n=GOALS_MAX,
                chars=GOAL_MAX,
            )
        ]
        return None
    return "\n".join(goals)


def read_plan(data: Mapping[str, Any], current_review: date | None = None) -> PlanInput:
    """A plan's goals (one per line), notes and review date; a new review date cannot be past,
    an unchanged one may (the plan is then overdue for review)."""
    errors: Errors = {}
    earliest = today() if current_review is None else min(today(), current_review)
    review_on = read_date(data, "review_on", errors, earliest, today() + timedelta(days=3 * 366))
    if review_on is not None and review_on != current_review and review_on < today():
        errors["review_on"] = [_("La data di revisione non può essere passata.")]
    goals = _goals(data, errors)
    notes = clean_text(data, "notes", errors, NOTES_MAX)
    if errors:
        raise InvalidInput(errors)
    return PlanInput(review_on, goals, notes)  # type: ignore[arg-type]


def _cost(data: Mapping[str, Any], errors: Errors) -> Decimal | None:
    value = data.get("cost")
    value = value.strip().replace(",", ".") if isinstance(value, str) else ""
    message = _("Indica il costo in euro, da 0 a 99.999,99 (per esempio 12,50).")
    try:
        cost = Decimal(value) if value and not CONTROL_CHARACTERS.search(value) else None
    except InvalidOperation:
        cost = None
    if (
        cost is None
        or not cost.is_finite()
        or cost < 0
        or cost > COST_MAX
        or cost != cost.quantize(Decimal("0.01"))
    ):
        errors["cost"] = [message]
        return None
    return cost.quantize(Decimal("0.01"))


def _service(data: Mapping[str, Any], errors: Errors) -> Service | None:
    value = data.get("service_id")
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        return None
    service = None
    if value.isdigit() and len(value) < 10:
        service = db.session.scalar(visible_services().where(Service.id == int(value)))
    if service is None:
        errors["service_id"] = [_("Scegli un servizio del catalogo dall'elenco.")]
    return service


def read_item(data: Mapping[str, Any]) -> ItemInput:
    """An item: a catalog service (its provider delivers it), or, with no service chosen, what
    and who written in by hand (a private provider outside the catalog)."""
    errors: Errors = {}
    service = _service(data, errors)
    title = clean_text(data, "title", errors, 120)
    provider = clean_text(data, "provider_name", errors, 200)
    if service is None and "service_id" not in errors:
        if not title and "title" not in errors:
            errors["title"] = [_("Scegli un servizio del catalogo o scrivi quale servizio.")]
        if not provider and "provider_name" not in errors:
            errors["provider_name"] = [_("Scrivi chi offre il servizio.")]
    frequency = clean_text(data, "frequency", errors, 100, required=True)
    cost = _cost(data, errors)
    funding = data.get("funding")
    if funding not in {f.value for f in Funding}:
        errors["funding"] = [_("Scegli chi paga dall'elenco.")]
    if errors:
        raise InvalidInput(errors)
    if service is not None:
        title, provider = service.title, service.provider_name
    return ItemInput(service, title, provider, frequency, cost, funding)  # type: ignore[arg-type]


def service_choices() -> list[tuple[str, str]]:
    """The catalog services a plan can include today, of every provider type."""
    rows = db.session.scalars(visible_services().order_by(Service.title)).all()
    return [
        ("", _("Nessuno: servizio scritto a mano")),
        *[(str(s.id), f"{s.title} ({s.provider_name})") for s in rows],
    ]


def is_valid_status(value: Any) -> bool:
    """Whether a submitted value names a plan status at all."""
    return isinstance(value, str) and value in {s.value for s in PlanStatus}


def choices(labels: Mapping[Any, Any]) -> list[tuple[str, str]]:
    """(value, label) pairs of a select, from one of the label mappings above."""
    return [(str(key), str(label)) for key, label in labels.items()]
