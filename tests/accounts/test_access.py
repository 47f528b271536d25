"""Who may open what: every route as every role and as a guest, on its own district and on
another one."""

from __future__ import annotations

from datetime import date

import pytest

from condiviso.accounts.access import declared_access
from condiviso.errors import NotFound
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.cooperatives import services
from tests.accounts.flows import post_form, unique_email
from tests.clients import HostClient
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import comune, provision
from tests.people import PASSWORD, make_user

ROLES = ("citizen", "district_admin", "comune_staff", "cooperative_staff", "operator")
STAFF = {"district_admin", "comune_staff", "cooperative_staff", "operator"}
EVERYONE = {"guest", *ROLES}
SIGNED_IN = set(ROLES)
GUESTS = {"guest"}
PUBLISHERS = {"district_admin", "comune_staff", "cooperative_staff"}

# path → who may open it (the specification, written out by hand)
MATRIX = {
    "/": EVERYONE,
    "/comuni/012127": EVERYONE,
    "/contatti": EVERYONE,
    "/privacy": EVERYONE,
    "/accessibilita": EVERYONE,
    "/cookie": EVERYONE,
    "/registrati": GUESTS,
    "/accedi": GUESTS,
    "/password-dimenticata": GUESTS,
    "/reinvia-conferma": GUESTS,
    "/account": SIGNED_IN,
    "/account/elimina": SIGNED_IN,
    "/admin/": STAFF,
    "/admin/personale": {"district_admin"},
    "/admin/pagine": {"district_admin"},
    "/admin/pagine/privacy/it": {"district_admin"},
    "/admin/aspetto": {"district_admin"},
    "/admin/comuni/": {"district_admin"},
    "/admin/comuni/nuovo": {"district_admin"},
    "/admin/comuni/1": {"district_admin"},
    "/admin/cooperative": {"district_admin"},
    "/admin/cooperative/nuova": {"district_admin"},
    "/admin/cooperative/1": {"district_admin"},
    "/admin/categorie": {"district_admin"},
    "/admin/categorie/nuova": {"district_admin"},
    "/admin/categorie/1": {"district_admin"},
    "/admin/accreditamenti": {"district_admin"},
    "/admin/accreditamenti/nuovo": {"district_admin"},
    "/admin/accreditamenti/1": {"district_admin"},
    "/servizi": EVERYONE,
    "/servizi/trasporto-matrice": EVERYONE,
    "/servizi/trasporto-matrice/richiedi": EVERYONE,
    "/le-mie-richieste": SIGNED_IN,
    "/admin/servizi": PUBLISHERS,
    "/admin/servizi/nuovo": PUBLISHERS,
    "/admin/richieste": PUBLISHERS,
    "/social-point": EVERYONE,
    "/social-point/1": EVERYONE,
    "/social-point/1/prenota?orario=2030-01-07T09:00": EVERYONE,
    "/i-miei-appuntamenti": SIGNED_IN,
    "/admin/social-point": {"district_admin"},
    "/admin/social-point/nuovo": {"district_admin"},
    "/admin/social-point/1": {"district_admin"},
    "/operatore/giornata": {"district_admin", "operator"},
    "/operatore/registra": {"district_admin", "operator"},
    # User 1 of matrix-a is its citizen (the first person `districts` makes).
    "/operatore/cittadini/1/benvenuto": {"district_admin", "operator"},
    "/attiva": GUESTS,
    "/admin/piani": {"district_admin", "operator"},
    # User 1 of matrix-a is its citizen: their file and the forms to write in it.
    "/admin/piani/persone/1": {"district_admin", "operator"},
    "/admin/piani/persone/1/colloqui/nuovo": {"district_admin", "operator"},
    "/admin/piani/persone/1/piani/nuovo": {"district_admin", "operator"},
    "/il-mio-piano": SIGNED_IN,
    "/i-miei-dati-sociali": SIGNED_IN,
}
# Pages of plugins that matrix-b has not enabled: there they are not found, for everyone.
PLUGIN_PAGES = (
    "/servizi",
    "/le-mie-richieste",
    "/admin/servizi",
    "/admin/richieste",
    "/contatti",
    "/admin/aspetto",
    "/admin/cooperative",
    "/admin/categorie",
    "/admin/accreditamenti",
    "/social-point",
    "/i-miei-appuntamenti",
    "/admin/social-point",
    "/operatore/giornata",
    "/admin/piani",
    "/il-mio-piano",
    "/i-miei-dati-sociali",
)


# Routes with parameters, as the MATRIX visits them; the links carried by e-mails are tested
# with real tokens by their own flows.
SAMPLES = {
    "/comuni/<istat_code>": "/comuni/012127",
    "/admin/pagine/<kind>/<locale>": "/admin/pagine/privacy/it",
    "/admin/comuni/<int:comune_id>": "/admin/comuni/1",
    "/admin/cooperative/<int:cooperative_id>": "/admin/cooperative/1",
    "/admin/categorie/<int:category_id>": "/admin/categorie/1",
    "/admin/accreditamenti/<int:accreditation_id>": "/admin/accreditamenti/1",
    "/servizi/<slug>": "/servizi/trasporto-matrice",
    "/servizi/<slug>/richiedi": "/servizi/trasporto-matrice/richiedi",
    "/social-point/<int:point_id>": "/social-point/1",
    "/social-point/<int:point_id>/prenota": "/social-point/1/prenota?orario=2030-01-07T09:00",
    "/admin/social-point/<int:point_id>": "/admin/social-point/1",
    "/operatore/cittadini/<int:user_id>/benvenuto": "/operatore/cittadini/1/benvenuto",
    "/admin/piani/persone/<int:user_id>": "/admin/piani/persone/1",
    "/admin/piani/persone/<int:user_id>/colloqui/nuovo": "/admin/piani/persone/1/colloqui/nuovo",
    "/admin/piani/persone/<int:user_id>/piani/nuovo": "/admin/piani/persone/1/piani/nuovo",
}
UNLISTED = {
    "/lingua/<code>",
    "/branding/logo/<digest>",
    "/branding/theme.css",
    "/conferma-email/<token>",
    "/reimposta-password/<token>",
    "/invito/<token>",
    "/healthz",
    "/readyz",
    "/static/<path:filename>",
    "/branding/static/<path:filename>",
    # A record's page: who may open it depends on whose record it is (404 for anyone else's),
    # which the plugins' own tests check.
    "/admin/servizi/<int:service_id>",
    "/admin/servizi/<int:service_id>/storia",
    "/servizi/foto/<digest>",
    "/admin/richieste/<int:request_id>",
    "/le-mie-richieste/<int:request_id>",
    "/richieste/inviata/<int:request_id>/<token>",
    "/i-miei-appuntamenti/<int:booking_id>",
    "/i-miei-appuntamenti/<int:booking_id>/sposta",
    "/i-miei-appuntamenti/<int:booking_id>/calendario.ics",
    "/appuntamenti/<int:booking_id>/<token>",
    "/appuntamenti/<int:booking_id>/<token>/sposta",
    "/appuntamenti/<int:booking_id>/<token>/calendario.ics",
    # Intakes and plans: 403 for every role but operators and the district admin, 404 for
    # another district's ids, 404 for another citizen's plan (tests/care_plans/test_access.py).
    "/admin/piani/colloqui/<int:intake_id>",
    "/admin/piani/<int:plan_id>",
    "/admin/piani/<int:plan_id>/pdf",
    "/il-mio-piano/<int:plan_id>",
    "/il-mio-piano/<int:plan_id>/pdf",
    # Budgets, vouchers, deliveries and statements: every role on every page and form in
    # tests/vouchers/test_access.py (comune and cooperative scopes, a citizen's own vouchers).
    *(
        f"/admin/voucher{tail}"
        for tail in (
            "",
            "/<int:voucher_id>",
            "/<int:voucher_id>/stampa",
            "/codice/<code>",
            "/cooperativa",
            "/cooperativa/<int:cooperative_id>/voucher/<int:voucher_id>",
            "/emetti",
            "/fondi",
            "/persona",
            "/rendiconti",
            "/rendiconti/<int:cooperative_id>/<funder>/<month>",
            "/rendiconti/<int:cooperative_id>/<funder>/<month>.<any(csv, xlsx, pdf):fmt>",
            "/rendiconti/pagati/<int:statement_id>.<any(csv, xlsx, pdf):fmt>",
            "/voci/<int:line_id>",
            "/voci/nuova",
            "/report",
            "/movimenti.csv",
            "/movimenti.xlsx",
            "/report-charts.js",
        )
    ),
    "/il-mio-borsellino",
    "/il-mio-borsellino/<int:voucher_id>",
}


def test_the_matrix_covers_every_district_page(app):
    from condiviso.tenancy import SiteKind, get_runtime

    runtime = get_runtime(app)
    pages = set()
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if (
            "GET" in rule.methods
            and runtime.blueprint_sites.get(blueprint, SiteKind.TENANT) is SiteKind.TENANT
        ):
            pages.add(rule.rule)
    missing = {p for p in pages - UNLISTED if SAMPLES.get(p, p) not in MATRIX}
    assert missing == set(), f"add these pages to MATRIX: {sorted(missing)}"


@pytest.fixture(scope="module")
def districts(app):
    provision(
        app,
        "matrix-a",
        "Ambito A (matrice)",
        plugins={
            "branding": {},
            "cooperatives": {},
            "catalog": {},
            "requests": {},
            "social_point": {},
            "care_plans": {},
        },
        comuni=[comune("012127", "Tradate")],
    )
    _network_of_one(app, "matrix-a")
    _desk_of_one(app, "matrix-a")
    provision(app, "matrix-b", "Ambito B (matrice)", comuni=[comune("012127", "Tradate")])
    people = {}
    for role in ROLES:
        email = unique_email(role.replace("_", "-"))
        make_user(app, "matrix-a", email, role, comune_ids=[1], cooperative_id=3)
        people[role] = email
    return people


def _network_of_one(app, slug):
    """Cooperative 1, category 1 and accreditation 1, for the sample paths."""
    with app.app_context(), tenant_context(slug):
        if services.get_cooperative(1) is None:
            cooperative = services.create_cooperative(
                {"slug": "coop-matrice", "legal_name": "Coop (matrice)", "tax_code": "01234560017"}
            )
            category = services.create_category({"slug": "anziani", "name": "Anziani"})
            services.create_accreditation(
                {
                    "cooperative_id": cooperative.id,
                    "category_id": category.id,
                    "comune_id": 1,
                    "valid_from": date(2025, 1, 1),
                }
            )
            db.session.flush()
            from plugins.catalog.services import save_service, set_status

            service = save_service(
                {
                    "title": "Trasporto (matrice)",
                    "description": "Accompagnamento.",
                    "audience": "Tutti",
                    "category_id": category.id,
                    "provider_type": "public",
                    "comune_id": 1,
                    "comuni": [1],
                    "price_kind": "free",
                    "delivery": ["at_home"],
                },
                None,
                slug="trasporto-matrice",
            )
            set_status(service, "published", None)
            db.session.commit()


def _desk_of_one(app, slug):
    """Social Point 1, for the sample paths."""
    from plugins.social_point.desks import get_point, save_point

    with app.app_context(), tenant_context(slug):
        try:
            get_point(1)
        except NotFound:
            save_point(
                {
                    "name": "Sportello (matrice)",
                    "comune_id": 1,
                    "address": "Via Roma 1",
                    "modes": ["in_person"],
                }
            )
            db.session.commit()


def _client(app, role, people, host="matrix-a"):
    client = HostClient(app, f"{host}.{PLATFORM_DOMAIN}")
    if role != "guest":
        assert (
            post_form(client, "/accedi", {"email": people[role], "password": PASSWORD}).status_code
            == 302
        )
    return client


def _expect(response, allowed: bool, role: str, path: str):
    if allowed:
        assert response.status_code == 200, (role, path, response.status_code)
    elif role == "guest":
        assert response.status_code == 302, (role, path, response.status_code)
        assert response.headers["Location"].startswith("/accedi?next="), (role, path)
    elif MATRIX[path] == GUESTS:
        assert response.status_code == 302 and response.headers["Location"] == "/", (role, path)
    else:
        assert response.status_code == 403, (role, path, response.status_code)


@pytest.mark.parametrize("role", ["guest", *ROLES])
def test_each_role_on_its_own_district(app, districts, role):
    client = _client(app, role, districts)
    for path, allowed in MATRIX.items():
        _expect(client.get(path), role in allowed, role, path)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_another_district_is_a_guest(app, districts, role):
    own = _client(app, role, districts)
    cookie = own.cookie()
    other = HostClient(app, f"matrix-b.{PLATFORM_DOMAIN}")
    for path, allowed in MATRIX.items():
        response = other.get(path, headers={"Cookie": f"session={cookie}"})
        if path.startswith(PLUGIN_PAGES):
            assert response.status_code == 404, (role, path)  # plugins off on matrix-b
            continue
        _expect(response, "guest" in allowed, "guest", path)


def test_platform_operators_paths_are_not_on_districts(app, districts):
    client = _client(app, "district_admin", districts)
    assert client.get("/console/").status_code == 404
    assert client.get("/console/accedi").status_code == 404


def test_every_view_declares_who_may_use_it(app):
    with app.app_context():
        undeclared = [
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if declared_access(rule.endpoint) is None
        ]
    assert undeclared == []


def test_a_view_without_a_declaration_is_refused(tmp_path_factory):
    from tests.conftest import build_app

    fresh = build_app(tmp_path_factory)

    @fresh.get("/senza-dichiarazione")
    def undeclared():
        return "should never be served"

    provision(fresh, "undeclared", "Ambito senza dichiarazione")
    response = HostClient(fresh, f"undeclared.{PLATFORM_DOMAIN}").get("/senza-dichiarazione")
    assert response.status_code == 403
