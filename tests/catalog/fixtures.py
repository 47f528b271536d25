"""A district with a small network and catalog, built through the real services."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from condiviso.clock import today
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from condiviso.territory.models import Comune
from plugins.catalog.services import save_service, set_status
from plugins.cooperatives.models import Accreditation, Category, Cooperative
from tests.districts import comune, provision

SERVICES = [
    # slug, title, description, category, provider, cooperative, price_kind
    (
        "sad",
        "Assistenza domiciliare per anziani",
        "Operatori qualificati aiutano le persone anziane a casa: igiene, pasti, compagnia.",
        "anziani",
        "accredited",
        "girasole",
        "income_based",
    ),
    (
        "babysitter",
        "Rete di baby-sitter di quartiere",
        "Baby-sitter formate per le famiglie con bambini piccoli, anche la sera.",
        "famiglia",
        "private",
        "girasole",
        "fixed",
    ),
    (
        "trasporto",
        "Trasporto per persone con disabilità",
        "Accompagnamento in auto attrezzata verso visite, terapie e attività.",
        "disabilita",
        "public",
        None,
        "free",
    ),
    (
        "caffe",
        "Caffè sociale del giovedì",
        "Un caffè insieme per conoscere gente nuova in città: anziano o giovane, sei il benvenuto.",
        "tempo-libero",
        "accredited",
        "scaduta",
        "free",
    ),
]


# How each service is delivered, when not only at home.
DELIVERY = {"caffe": ["at_centre"], "babysitter": ["online", "at_home"]}


def build_network(app, slug: str) -> dict[str, int]:
    """Categories, two cooperatives (one whose accreditation has expired), comuni, services."""
    provision(
        app,
        slug,
        f"Ambito di prova ({slug})",
        plugins={"cooperatives": {}, "catalog": {}},
        comuni=[comune("012127", "Tradate"), comune("012044", "Castelseprio")],
    )
    with app.app_context(), tenant_context(slug):
        comuni = dict(db.session.execute(sa.select(Comune.istat_code, Comune.id)).all())
        if db.session.scalar(sa.select(sa.func.count()).select_from(Category)):
            return _ids()
        categories = {}
        for position, (key, name) in enumerate(
            [
                ("anziani", "Anziani"),
                ("famiglia", "Famiglia e minori"),
                ("disabilita", "Disabilità"),
                ("tempo-libero", "Tempo libero"),
            ]
        ):
            category = Category(slug=key, name=name, position=position)
            db.session.add(category)
            categories[key] = category
        cooperatives = {
            "girasole": Cooperative(
                slug="girasole", legal_name="Il Girasole (esempio)", tax_code="01234560124"
            ),
            "scaduta": Cooperative(
                slug="scaduta", legal_name="La Quercia (esempio)", tax_code="07654320121"
            ),
        }
        db.session.add_all(cooperatives.values())
        db.session.flush()
        for cooperative in cooperatives.values():
            cooperative.comuni = list(db.session.scalars(sa.select(Comune)))
        db.session.add_all(
            [
                Accreditation(
                    cooperative_id=cooperatives["girasole"].id,
                    comune_id=comuni["012127"],
                    category_id=categories["anziani"].id,
                    valid_from=date(2025, 1, 1),
                ),
                Accreditation(
                    cooperative_id=cooperatives["scaduta"].id,
                    comune_id=comuni["012127"],
                    category_id=categories["tempo-libero"].id,
                    valid_from=date(2024, 1, 1),
                    valid_to=today() + timedelta(days=30),
                ),
            ]
        )
        db.session.flush()
        for slug_, title, description, category, provider, cooperative, price in SERVICES:
            data = {
                "title": title,
                "description": description,
                "audience": "Tutti",
                "category_id": categories[category].id,
                "provider_type": provider,
                "cooperative_id": cooperatives[cooperative].id if cooperative else None,
                "comune_id": comuni["012127"] if provider == "public" else None,
                "comuni": [comuni["012127"]],
                "price_kind": price,
                "price": "10" if price == "fixed" else None,
                "isee_note": "Secondo l'ISEE" if price == "income_based" else None,
                "delivery": DELIVERY.get(slug_, ["at_home"]),
                "contact": None,
            }
            service = save_service(data, None, slug=slug_)
            set_status(service, "published", None)
        db.session.commit()
        return _ids()


def _ids() -> dict[str, int]:
    from plugins.catalog.models import Service

    return dict(db.session.execute(sa.select(Service.slug, Service.id)).all())


def expire_accreditation(app, slug: str, cooperative_slug: str, comune_istat: str | None = None):
    """End a cooperative's accreditations (in one comune, if given) yesterday, as the district
    admin does: through the cooperatives plugin's service, which tells the catalog."""
    from plugins.cooperatives import services as network

    with app.app_context(), tenant_context(slug):
        cooperative = network.cooperative_by_slug(cooperative_slug)
        query = sa.select(Accreditation).where(Accreditation.cooperative_id == cooperative.id)
        if comune_istat is not None:
            query = query.join(Comune, Comune.id == Accreditation.comune_id).where(
                Comune.istat_code == comune_istat
            )
        for accreditation in db.session.scalars(query).all():
            fields = ("cooperative_id", "comune_id", "category_id", "valid_from", "notes")
            data = {f: getattr(accreditation, f) for f in fields}
            network.update_accreditation(
                accreditation.id, {**data, "valid_to": today() - timedelta(days=1)}
            )
        db.session.commit()
