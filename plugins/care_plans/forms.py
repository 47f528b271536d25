"""The staff's forms (WTForms): the search for a citizen, an intake with a level and notes per
area of life, a plan, a plan's item and a move of its status, each checked here with its
messages and read into the values the services take (`IntakeInput`, `PlanInput`, `ItemInput`);
and the words people read for areas, levels, who pays and a plan's status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from condiviso.plugin_api import DayField, EnumLabels, FreeText, select_choices, today, trimmed
from plugins.care_plans.fields import DayBetween, EuroField
from plugins.care_plans.models import Area, CarePlan, Funding, Intake, Level, PlanStatus
from plugins.care_plans.people import QUERY_MAX
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
# The first day an intake may be dated, and how far ahead a review may be set.
FIRST_INTAKE_DAY = date(2000, 1, 1)
REVIEW_HORIZON = timedelta(days=3 * 366)
F = TypeVar("F", bound=FlaskForm)


@dataclass(frozen=True)
class IntakeInput:
    held_on: date
    needs: dict[str, dict[str, str | None]]  # area -> {"level": ..., "notes": ...}
    notes: str | None


@dataclass(frozen=True)
class PlanInput:
    review_on: date
    goals: str | None  # one per line
    notes: str | None


@dataclass(frozen=True)
class ItemInput:
    """An item as the operator wrote it: a catalog service (whose title and provider the plan
    takes), or what and who written by hand."""

    service_id: int | None
    title: str | None
    provider_name: str | None
    frequency: str
    cost: Decimal
    funding: Funding


def choices(labels: Mapping[Any, Any]) -> list[tuple[str, str]]:
    """(value, label) pairs of a select, from one of the label mappings above."""
    return [(str(key), str(label)) for key, label in labels.items()]


def opened(form_class: type[F], initial: Mapping[str, Any], **kwargs: Any) -> F:
    """A form as a page opened afresh shows it, holding `initial`, whatever the request sent
    (a page can hold several forms, and only one of them was sent)."""
    return form_class(formdata=None, data=initial, **kwargs)


def sent_or_opened(form_class: type[F], initial: Mapping[str, Any], **kwargs: Any) -> F:
    """The form with what this request sent; on a page opened afresh, holding `initial`. (A
    sent form never falls back on `initial`: a field left out is left out.)"""
    if request.method == "POST":
        return form_class(**kwargs)
    return opened(form_class, initial, **kwargs)


def _notes(label: Any, max_length: int) -> TextAreaField:
    return TextAreaField(label, filters=[trimmed], validators=[FreeText(max_length)])


# -- finding the citizen ---------------------------------------------------------------------------


def _query(value: Any) -> str:
    return value[:QUERY_MAX] if isinstance(value, str) else ""


class SearchForm(FlaskForm):
    """What the operator searches for (`?q=`): a name, an e-mail, a phone or a codice fiscale."""

    class Meta:
        csrf = False

    q = StringField(_l("Nome, e-mail, telefono o codice fiscale"), filters=[_query])

    @property
    def searched(self) -> bool:
        return bool(self.q.data.strip())


# -- intakes ---------------------------------------------------------------------------------------


def _level_or_not_assessed(value: Any) -> Any:
    return value or Level.NOT_ASSESSED.value


class _IntakeForm(FlaskForm):
    """An intake conversation's day (not in the future); `IntakeForm` adds the areas."""

    held_on = DayField(
        _l("Data del colloquio"),
        validators=[DayBetween(lambda form: FIRST_INTAKE_DAY, lambda form: today())],
    )

    def intake_input(self) -> IntakeInput:
        """The intake as the services take it: its day, each area's level and notes, notes."""
        needs = {
            area.value: {
                "level": self[f"level_{area.value}"].data,
                "notes": self[f"notes_{area.value}"].data,
            }
            for area in Area
        }
        return IntakeInput(self.held_on.data, needs, self.notes.data)


def _with_areas(base: type[_IntakeForm]) -> type[_IntakeForm]:
    """The intake form with a level and notes for each area of life, named `level_<area>` and
    `notes_<area>` (the names the page posts), then the general notes."""
    fields: dict[str, Any] = {}
    for area in Area:
        fields[f"level_{area.value}"] = SelectField(
            _l("Livello del bisogno"),
            choices=lambda: select_choices(choices(LEVELS)),
            default=Level.NOT_ASSESSED.value,
            filters=[_level_or_not_assessed],
            invalid_choice_message=_l("Scegli un livello dall'elenco."),
        )
        fields[f"notes_{area.value}"] = _notes(
            _l("Note su: %(area)s", area=AREAS[area]), AREA_NOTES_MAX
        )
    fields["notes"] = _notes(_l("Note generali"), NOTES_MAX)
    return type("IntakeForm", (base,), fields)


IntakeForm = _with_areas(_IntakeForm)


def intake_form(intake: Intake | None = None) -> _IntakeForm:
    """The intake form: what was sent; opened afresh, the intake as recorded (a new one is
    held today)."""
    initial: dict[str, Any] = {"held_on": today()}
    if intake is not None:
        initial = {"held_on": intake.held_on, "notes": intake.notes}
        for need in intake.need_list:
            initial[f"level_{need.area.value}"] = need.level.value
            initial[f"notes_{need.area.value}"] = need.notes
    return sent_or_opened(IntakeForm, initial)


# -- plans -----------------------------------------------------------------------------------------


def goal_lines(text: str | None) -> list[str]:
    """The goals of a text, one per non-blank line, trimmed."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _earliest_review(form: PlanForm) -> date:
    """Today; or an earlier review date the plan already has, which may stay as it is."""
    current = form.current_review
    return today() if current is None else min(today(), current)


class PlanForm(FlaskForm):
    """A plan's goals (one per line), review date and notes. A new review date cannot be past;
    the plan's own date may stay, even past (the plan is then overdue for review)."""

    review_on = DayField(
        _l("Data di revisione"),
        validators=[DayBetween(_earliest_review, lambda form: today() + REVIEW_HORIZON)],
    )
    goals = _notes(_l("Obiettivi"), NOTES_MAX)
    notes = _notes(_l("Note"), NOTES_MAX)

    def __init__(self, *args: Any, current_review: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current_review = current_review

    def validate_goals(self, field: TextAreaField) -> None:
        goals = goal_lines(field.data)
        if len(goals) > GOALS_MAX or any(len(goal) > GOAL_MAX for goal in goals):
            raise ValidationError(
                _(
                    "Al massimo %(n)d obiettivi, di %(chars)d caratteri ciascuno.",
                    n=GOALS_MAX,
                    chars=GOAL_MAX,
                )
            )

    def validate_review_on(self, field: DayField) -> None:
        if field.data != self.current_review and field.data < today():
            raise ValidationError(_("La data di revisione non può essere passata."))

    def plan_input(self) -> PlanInput:
        """The plan as the services take it, its goals one per line."""
        goals = "\n".join(goal_lines(self.goals.data)) or None
        return PlanInput(self.review_on.data, goals, self.notes.data)


def new_plan_form() -> PlanForm:
    """The form of a new plan: what was sent; opened afresh, reviewed in 90 days."""
    return sent_or_opened(PlanForm, {"review_on": today() + timedelta(days=90)})


def plan_form(plan: CarePlan) -> PlanForm:
    """The form of a plan, opened afresh: the plan as it is."""
    initial = {"review_on": plan.review_on, "goals": plan.goals, "notes": plan.notes}
    return opened(PlanForm, initial, current_review=plan.review_on)


# -- a plan's items --------------------------------------------------------------------------------


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def service_choices(offered: Sequence[Service]) -> list[tuple[str, str]]:
    """(value, label) of the catalog services offered for a plan, after "none"."""
    return [
        ("", _("Nessuno: servizio scritto a mano")),
        *[(str(s.id), f"{s.title} ({s.provider_name})") for s in offered],
    ]


class ItemForm(FlaskForm):
    """A service of the plan: one of the catalog's (`offered`), whose provider delivers it; or,
    with none chosen, what and who written by hand (a private provider outside the catalog)."""

    service_id = SelectField(
        _l("Servizio del catalogo"),
        default="",
        filters=[_stripped],
        invalid_choice_message=_l("Scegli un servizio del catalogo dall'elenco."),
    )
    title = StringField(_l("Quale servizio"), filters=[trimmed], validators=[FreeText(120)])
    provider_name = StringField(_l("Chi lo offre"), filters=[trimmed], validators=[FreeText(200)])
    frequency = StringField(
        _l("Quanto spesso"), filters=[trimmed], validators=[FreeText(100, required=True)]
    )
    cost = EuroField(_l("Costo in euro"))
    funding = SelectField(
        _l("Chi paga"),
        choices=lambda: select_choices(choices(FUNDING)),
        invalid_choice_message=_l("Scegli chi paga dall'elenco."),
    )

    def __init__(self, *args: Any, offered: Sequence[Service] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service_id.choices = select_choices(service_choices(offered))

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then: with no catalog service, what and who must be written."""
        valid = super().validate(extra_validators)
        if self.service_id.data or self.service_id.errors:
            return valid
        for field, message in (
            (self.title, _("Scegli un servizio del catalogo o scrivi quale servizio.")),
            (self.provider_name, _("Scrivi chi offre il servizio.")),
        ):
            if not field.data and not field.errors:
                field.errors.append(message)
                valid = False
        return valid

    def item_input(self) -> ItemInput:
        """The item as the services take it."""
        return ItemInput(
            service_id=int(self.service_id.data) if self.service_id.data else None,
            title=self.title.data,
            provider_name=self.provider_name.data,
            frequency=self.frequency.data,
            cost=self.cost.data,
            funding=Funding(self.funding.data),
        )


def item_form(offered: Sequence[Service]) -> ItemForm:
    """The form of a new item, opened afresh: the comune pays, unless the operator says who."""
    return opened(ItemForm, {"funding": Funding.COMUNE.value}, offered=offered)


# -- a plan's status -------------------------------------------------------------------------------


class StatusForm(FlaskForm):
    """The status a plan is moved to (whether it may go there is the services' to say)."""

    status = SelectField(
        choices=[SelectChoice(status.value) for status in PlanStatus],
        invalid_choice_message=_l("Stato sconosciuto."),
    )

    @property
    def target(self) -> PlanStatus:
        return PlanStatus(self.status.data)
