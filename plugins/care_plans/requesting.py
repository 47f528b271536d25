"""Turning a plan's items into service requests in one click, through the requests plugin's own
`create_request` (its checks, its e-mails, its inbox).

Each item's request carries a submission token made from the item's id, so that clicking twice,
or two clicks at once, give one request per item: the requests plugin answers a token it has
seen, from the same sender for the same service, with the request it already made. It keys the
token and scopes it to the citizen and the operator filing, so nobody else's form can claim it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from condiviso.plugin_api import Conflict
from plugins.care_plans.models import REQUESTABLE, CarePlan, PlanItem, PlanStatus
from plugins.care_plans.services import audit_change, catalog_service, check_staff
from plugins.requests.services import RequestInput, create_request


@dataclass
class Outcome:
    created: list[PlanItem] = field(default_factory=list)
    unavailable: list[PlanItem] = field(default_factory=list)


def submission_token(item: PlanItem) -> str:
    return f"care-plans-item-{item.id}"


def create_requests(staff, plan: CarePlan) -> Outcome:
    """A request for each catalog item of an agreed plan that has none yet; items whose service
    left the catalog are reported, not requested."""
    check_staff(staff)
    if PlanStatus(plan.status) not in REQUESTABLE:
        raise Conflict(
            _("Prima di creare le richieste condividi il piano con la persona.")
            if plan.status == PlanStatus.DRAFT.value
            else _("Il piano è concluso: non si creano più richieste.")
        )
    outcome = Outcome()
    for item in list(plan.items):
        if item.service_id is None or item.request_id is not None:
            continue
        service = catalog_service(item.service_id)
        if service is None:
            outcome.unavailable.append(item)
            continue
        message = _(
            "Richiesta preparata con l'operatore nel piano personalizzato %(plan)s. "
            "Frequenza concordata: %(frequency)s.",
            plan=plan.reference,
            frequency=item.frequency,
        )
        request = create_request(
            service,
            plan.citizen,
            RequestInput(message),
            submission_token(item),
            filed_by=staff,
        )
        item.request_id = request.id
        # One commit per item: what was made stays linked even if a later item fails.
        audit_change(plan, f"request {request.id} for item {item.id}")
        outcome.created.append(item)
    return outcome
