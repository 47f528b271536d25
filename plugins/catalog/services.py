"""The catalog's rules for staff: who may edit which service, what a valid service is, how it
is saved, published and kept in its history. What citizens see is in `finding.py`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import (
    Comune,
    InvalidInput,
    NotFound,
    Role,
    clean_text,
    db,
    image_problems,
    sniff_image_type,
    store_content,
    utcnow,
)
from plugins.catalog import coverage, search
from plugins.catalog.models import (
    Delivery,
    PriceKind,
    ProviderType,
    Service,
    ServiceChange,
    ServiceStatus,
)
from plugins.cooperatives.models import Category, Cooperative
from plugins.cooperatives.services import accredited_comuni

EDITABLE = (
    "title",
    "description",
    "category_id",
    "audience",
    "provider_type",
    "cooperative_id",
    "comune_id",
    "price_kind",
    "price",
    "isee_note",
    "delivery",
    "contact",
)
_SLUG_PART = re.compile(r"[^a-z0-9]+")


# -- who may edit what ---------------------------------------------------------------------------


def services_to_edit(user) -> list[Service]:
    """The services `user` may edit, by title."""
    return list(db.session.scalars(editable_services(user)))


def editable_services(user) -> sa.Select:
    """The services a member of staff may edit: their cooperative's, their comune's, or all
    (district admin)."""
    query = sa.select(Service).order_by(Service.title)
    if user.has_role(Role.DISTRICT_ADMIN):
        return query
    cooperatives = {
        g.cooperative_id
        for g in user.grants
        if g.role == Role.COOPERATIVE_STAFF and g.cooperative_id
    }
    comuni = user.comune_scope()
    return query.where(
        sa.or_(
            Service.cooperative_id.in_(cooperatives) if cooperatives else sa.false(),
            sa.and_(
                Service.provider_type == ProviderType.PUBLIC.value, Service.comune_id.in_(comuni)
            )
            if comuni
            else sa.false(),
        )
    )


def editable_service(user, service_id: int) -> Service:
    """A service the user may edit; `NotFound` (404) otherwise, whoever owns it."""
    service = db.session.scalar(editable_services(user).where(Service.id == service_id))
    if service is None:
        raise NotFound(_("Il servizio che cerchi non esiste."))
    return service


# -- validation and saving -------------------------------------------------------------------------


def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _SLUG_PART.sub("-", text).strip("-")[:70] or "servizio"


RESERVED_SLUGS = frozenset({"foto"})  # /servizi/foto/<digest> serves photos


def unique_slug(title: str, service: Service | None = None) -> str:
    base = slugify(title)
    if base in RESERVED_SLUGS:
        base = f"{base}-servizio"
    slug, n = base, 2
    while True:
        owner = db.session.scalar(sa.select(Service.id).where(Service.slug == slug))
        if owner is None or (service is not None and owner == service.id):
            return slug
        slug, n = f"{base}-{n}", n + 1


def _choice(data, field, allowed, errors):
    value = data.get(field)
    if value not in {a.value for a in allowed}:
        errors[field] = [_("Scegli un valore dall'elenco.")]
        return None
    return value


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def clean(data: Mapping[str, Any], user) -> dict[str, Any]:
    """A service's fields, checked: `InvalidInput` with Italian messages per field."""
    errors: dict[str, list[str]] = {}
    clean_data: dict[str, Any] = {
        "title": clean_text(data, "title", errors, 120, required=True),
        "description": clean_text(data, "description", errors, 5000, required=True),
        "audience": clean_text(data, "audience", errors, 200, required=True),
        "contact": clean_text(data, "contact", errors, 300),
        "isee_note": clean_text(data, "isee_note", errors, 300),
        "provider_type": _choice(data, "provider_type", ProviderType, errors),
        "price_kind": _choice(data, "price_kind", PriceKind, errors),
    }
    category = db.session.get(Category, _int(data.get("category_id")) or 0)
    if category is None:
        errors["category_id"] = [_("Scegli una categoria dall'elenco.")]
    clean_data["category_id"] = category.id if category else None
    delivery = data.get("delivery") or []
    if isinstance(delivery, str):
        delivery = [delivery]
    if not delivery or not set(delivery) <= {d.value for d in Delivery}:
        errors["delivery"] = [_("Scegli almeno un modo in cui il servizio è erogato.")]
    clean_data["delivery"] = sorted(set(delivery)) if "delivery" not in errors else []
    comune_ids = [_int(c) for c in (data.get("comuni") or [])]
    comuni = (
        db.session.scalars(
            sa.select(Comune).where(Comune.id.in_([c for c in comune_ids if c]))
        ).all()
        if comune_ids
        else []
    )
    if not comuni or len(comuni) != len(set(comune_ids)):
        errors["comuni"] = [_("Scegli almeno un comune in cui il servizio è disponibile.")]
    clean_data["comuni"] = comuni
    _clean_price(data, clean_data, errors)
    _clean_provider(data, clean_data, errors, user)
    if errors:
        raise InvalidInput(errors)
    return clean_data


def _clean_price(data, clean_data, errors) -> None:
    kind = clean_data.get("price_kind")
    clean_data["price"] = None
    if kind in (PriceKind.FIXED.value, PriceKind.FROM.value):
        try:
            price = Decimal(str(data.get("price", "")).replace(",", ".").strip())
        except InvalidOperation:
            price = None
        if price is None or not price.is_finite() or price < 0 or price > Decimal("100000"):
            errors["price"] = [_("Indica il prezzo in euro, per esempio 12,50.")]
        else:
            clean_data["price"] = price.quantize(Decimal("0.01"))
    if kind == PriceKind.INCOME_BASED.value and not clean_data.get("isee_note"):
        errors["isee_note"] = [_("Spiega come l'ISEE determina il costo.")]


def _clean_provider(data, clean_data, errors, user) -> None:
    """Public services belong to a comune; the others to a cooperative. Staff of a cooperative
    or a comune act only for their own."""
    provider = clean_data.get("provider_type")
    clean_data["cooperative_id"] = clean_data["comune_id"] = None
    if provider is None:
        return
    if provider == ProviderType.PUBLIC.value:
        comune = db.session.get(Comune, _int(data.get("comune_id")) or 0)
        if comune is None:
            errors["comune_id"] = [_("Scegli il comune che eroga il servizio.")]
        elif (
            user is not None
            and not user.has_role(Role.DISTRICT_ADMIN)
            and comune.id not in user.comune_scope()
        ):
            errors["comune_id"] = [_("Puoi pubblicare solo i servizi del tuo comune.")]
        else:
            clean_data["comune_id"] = comune.id
        return
    cooperative = db.session.get(Cooperative, _int(data.get("cooperative_id")) or 0)
    own = (
        None
        if user is None or user.has_role(Role.DISTRICT_ADMIN)
        else {g.cooperative_id for g in user.grants if g.role == Role.COOPERATIVE_STAFF}
    )
    if cooperative is None:
        errors["cooperative_id"] = [_("Scegli la cooperativa che eroga il servizio.")]
    elif own is not None and cooperative.id not in own:
        errors["cooperative_id"] = [_("Puoi pubblicare solo i servizi della tua cooperativa.")]
    else:
        clean_data["cooperative_id"] = cooperative.id


def _actor(user) -> tuple[int | None, str]:
    if user is None:
        return None, "import"
    return user.id, f"{user.full_name} <{user.email}>"


def _record(service: Service, user, action: str, changes: dict[str, Any]) -> None:
    actor_id, label = _actor(user)
    db.session.add(
        ServiceChange(
            service_id=service.id,
            actor_user_id=actor_id,
            actor_label=label,
            action=action,
            changes=changes,
        )
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list) and value and isinstance(value[0], Comune):
        return sorted(c.istat_code for c in value)
    return value


def save_service(
    data: Mapping[str, Any], user, service: Service | None = None, slug: str | None = None
) -> Service:
    """Create or update a service (a draft until published), keeping its history."""
    values = clean(data, user)
    creating = service is None
    if creating:
        service = Service(
            status=ServiceStatus.DRAFT.value, slug=slug or unique_slug(values["title"])
        )
        db.session.add(service)
    changes = {}
    for field in (*EDITABLE, "comuni"):
        old, new = getattr(service, field, None), values[field]
        if _jsonable(old) != _jsonable(new):
            changes[field] = [_jsonable(old), _jsonable(new)]
            setattr(service, field, new)
    service.slug = slug or service.slug or unique_slug(values["title"], service)
    if service.status == ServiceStatus.PUBLISHED.value:
        _check_publishable(service)
    db.session.flush()
    if creating or changes:
        _record(service, user, "created" if creating else "updated", changes)
        search.index_service(service)
        coverage.refresh(service_ids=[service.id])
    return service


def _check_publishable(service: Service) -> None:
    if service.provider_type == ProviderType.ACCREDITED.value:
        covered = accredited_comuni(service.cooperative_id, service.category_id)
        missing = [c.name for c in service.comuni if c.id not in covered]
        if missing:
            raise InvalidInput(
                {
                    "comuni": [
                        _(
                            "Un servizio accreditato si pubblica solo dove la cooperativa ha un "
                            "accreditamento valido per questa categoria. Manca per: %(comuni)s.",
                            comuni=", ".join(missing),
                        )
                    ]
                }
            )


def set_status(service: Service, status: str, user) -> None:
    """Publish or unpublish a service."""
    if status not in {s.value for s in ServiceStatus} or status == service.status:
        return
    if status == ServiceStatus.PUBLISHED.value:
        _check_publishable(service)
        service.published_at = utcnow()
    old = service.status
    service.status = status
    _record(service, user, status, {"status": [old, status]})
    db.session.flush()
    search.index_service(service)


def history(service: Service) -> list[ServiceChange]:
    return list(
        db.session.scalars(
            sa.select(ServiceChange)
            .where(ServiceChange.service_id == service.id)
            .order_by(ServiceChange.id.desc())
        )
    )


PHOTO_FOLDER = "catalog"
MAX_PHOTO_BYTES = 2 * 1024 * 1024


def set_photo(service: Service, data: bytes | None, user) -> None:
    """Replace (or, with None, remove) a service's photo: PNG, JPEG or WebP up to 2 MB."""

    if data is None:
        service.photo_sha256 = service.photo_type = None
        _record(service, user, "updated", {"photo": ["removed"]})
        return
    problems = image_problems(data, MAX_PHOTO_BYTES, allow_svg=False)
    if problems:
        raise InvalidInput({"photo": problems})
    content_type = sniff_image_type(data)
    service.photo_sha256 = store_content(PHOTO_FOLDER, data, content_type)
    service.photo_type = content_type
    _record(service, user, "updated", {"photo": [None, service.photo_sha256[:12]]})


def photo_type(digest: str) -> str | None:
    """The type of the service photo stored under this digest; None if no service has it."""
    if len(digest) != 64:
        return None
    return db.session.scalar(
        sa.select(Service.photo_type).where(Service.photo_sha256 == digest).limit(1)
    )
