"""The catalog on the portal and in the staff's hands: who edits what, accreditations, drafts,
history, and the plugin switched off."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.plugins import enablement
from condiviso.tenancy import tenant_context
from condiviso.territory.models import Comune
from plugins.catalog.models import Service, ServiceChange
from plugins.catalog.services import save_service
from plugins.cooperatives.models import Cooperative
from tests.accounts.flows import post_form, unique_email
from tests.catalog.fixtures import build_network, expire_accreditation
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import ACTOR
from tests.people import PASSWORD, make_user


def _coop_id(app, slug, cooperative):
    with app.app_context(), tenant_context(slug):
        return db.session.scalar(sa.select(Cooperative.id).where(Cooperative.slug == cooperative))


def _staff(app, host_client, slug, *roles, **scope):
    email = unique_email("staff")
    make_user(app, slug, email, *roles, **scope)
    client = host_client(f"{slug}.{PLATFORM_DOMAIN}")
    assert post_form(client, "/accedi", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def _service(app, slug, service_slug):
    with app.app_context(), tenant_context(slug):
        service = db.session.scalar(sa.select(Service).where(Service.slug == service_slug))
        db.session.expunge(service)
        return service


def test_home_search_and_service_page(app, host_client):
    build_network(app, "portale")
    client = host_client(f"portale.{PLATFORM_DOMAIN}")
    home = client.get("/")
    assert 'role="search"' in home.text and "Anziani" in home.text
    results = client.get("/servizi?q=anziani&comune=&gratuito=")
    assert results.status_code == 200 and "Assistenza domiciliare per anziani" in results.text
    page = client.get("/servizi/sad")
    assert page.status_code == 200
    assert "Il Girasole" in page.text and "Accreditato nei comuni di" in page.text
    assert client.get("/servizi/non-esiste").status_code == 404
    bad = client.get("/servizi?categoria=abc&comune=9999999999&tipo=%3Cscript%3E&pagina=-4")
    assert bad.status_code == 200


def test_an_expired_accreditation_hides_the_service(app, host_client):
    build_network(app, "scadenze")
    client = host_client(f"scadenze.{PLATFORM_DOMAIN}")
    assert client.get("/servizi/caffe").status_code == 200
    expire_accreditation(app, "scadenze", "scaduta")
    assert client.get("/servizi/caffe").status_code == 404
    assert "Caffè sociale" not in client.get("/servizi?q=caffe").text
    assert "Caffè sociale" not in client.get("/servizi?tipo=accredited").text


def _edit(service: Service, **changes) -> None:
    """Save a service through the catalog's service, as its staff would."""
    data = {
        "title": service.title,
        "description": service.description,
        "audience": service.audience,
        "category_id": service.category_id,
        "provider_type": service.provider_type,
        "cooperative_id": service.cooperative_id,
        "comune_id": service.comune_id,
        "comuni": [c.id for c in service.comuni],
        "price_kind": service.price_kind,
        "price": service.price,
        "isee_note": service.isee_note,
        "delivery": service.delivery,
        "contact": service.contact,
    }
    save_service({**data, **changes}, None, service)


def test_an_accreditation_counts_only_in_the_service_s_own_comuni(app, host_client):
    from plugins.cooperatives import services as network

    build_network(app, "altrove")
    client = host_client(f"altrove.{PLATFORM_DOMAIN}")
    with app.app_context(), tenant_context("altrove"):
        comuni = dict(db.session.execute(sa.select(Comune.istat_code, Comune.id)).all())
        service = db.session.scalar(sa.select(Service).where(Service.slug == "sad"))
        # Il Girasole, accredited for the elderly in Tradate, is accredited in Castelseprio
        # too, and its service moves there.
        network.create_accreditation(
            {
                "cooperative_id": service.cooperative_id,
                "comune_id": comuni["012044"],
                "category_id": service.category_id,
                "valid_from": "2025-01-01",
            }
        )
        _edit(service, comuni=[comuni["012044"]])
        db.session.commit()
    assert client.get("/servizi/sad").status_code == 200
    expire_accreditation(app, "altrove", "girasole", "012044")
    # Still accredited in Tradate, where the service is not: hidden.
    assert client.get("/servizi/sad").status_code == 404
    assert "Assistenza domiciliare" not in client.get("/servizi?q=anziani&comune=").text
    in_tradate = client.get(f"/servizi?comune={comuni['012127']}").text
    assert "Assistenza domiciliare" not in in_tradate and "Rete di baby-sitter" in in_tradate


def test_cooperative_staff_edit_only_their_own_services(app, host_client):
    ids = build_network(app, "proprieta")
    girasole = _coop_id(app, "proprieta", "girasole")
    own = _staff(app, host_client, "proprieta", "cooperative_staff", cooperative_id=girasole)
    listing = own.get("/admin/servizi").text
    assert "Rete di baby-sitter" in listing and "Trasporto per persone" not in listing
    assert own.get(f"/admin/servizi/{ids['babysitter']}").status_code == 200
    before = _service(app, "proprieta", "trasporto").title
    for path in (f"/admin/servizi/{ids['trasporto']}", f"/admin/servizi/{ids['caffe']}"):
        assert own.get(path).status_code == 404
        assert own.post(path, data={"title": "Preso!"}).status_code in (400, 404)
    assert _service(app, "proprieta", "trasporto").title == before
    citizen = _staff(app, host_client, "proprieta", "citizen")
    assert citizen.get("/admin/servizi").status_code == 403


def _form(service_id=None, **changes):
    data = {
        "title": "Doposcuola del martedì",
        "description": "Aiuto con i compiti.",
        "audience": "Ragazzi delle medie",
        "category_id": "",
        "provider_type": "accredited",
        "cooperative_id": "",
        "comune_id": "",
        "comuni": [],
        "price_kind": "free",
        "price": "",
        "isee_note": "",
        "delivery": ["at_centre"],
        "contact": "",
    }
    data.update(changes)
    return data


def test_a_service_is_drafted_published_and_its_history_kept(app, host_client):
    build_network(app, "bozze")
    girasole = _coop_id(app, "bozze", "girasole")
    with app.app_context(), tenant_context("bozze"):
        from condiviso.territory.models import Comune
        from plugins.cooperatives.models import Category

        anziani = db.session.scalar(sa.select(Category.id).where(Category.slug == "anziani"))
        famiglia = db.session.scalar(sa.select(Category.id).where(Category.slug == "famiglia"))
        tradate = db.session.scalar(sa.select(Comune.id).where(Comune.istat_code == "012127"))
        castelseprio = db.session.scalar(sa.select(Comune.id).where(Comune.istat_code == "012044"))
    client = _staff(app, host_client, "bozze", "cooperative_staff", cooperative_id=girasole)
    refused = post_form(client, "/admin/servizi/nuovo", _form(), page="/admin/servizi/nuovo")
    assert refused.status_code == 400 and "categoria" in refused.text.lower()
    created = post_form(
        client,
        "/admin/servizi/nuovo",
        _form(category_id=str(famiglia), cooperative_id=str(girasole), comuni=[str(tradate)]),
        page="/admin/servizi/nuovo",
    )
    assert created.status_code == 302
    edit_path = created.headers["Location"]
    service_id = int(edit_path.rsplit("/", 1)[1])
    public = host_client(f"bozze.{PLATFORM_DOMAIN}")
    slug = _service(app, "bozze", "doposcuola-del-martedi").slug
    assert public.get(f"/servizi/{slug}").status_code == 404  # a draft

    # Accredited for "famiglia"? No accreditation: publishing is refused.
    post_form(client, f"{edit_path}/pubblica", {}, page=edit_path)
    assert _service(app, "bozze", slug).status == "draft"
    assert "accreditamento valido" in client.get(edit_path).text

    post_form(
        client,
        edit_path,
        _form(category_id=str(anziani), cooperative_id=str(girasole), comuni=[str(tradate)]),
    )
    post_form(client, f"{edit_path}/pubblica", {}, page=edit_path)
    assert _service(app, "bozze", slug).status == "published"
    assert public.get(f"/servizi/{slug}").status_code == 200

    # Castelseprio has no accreditation: a published accredited service cannot go there.
    refused = post_form(
        client,
        edit_path,
        _form(
            category_id=str(anziani),
            cooperative_id=str(girasole),
            comuni=[str(tradate), str(castelseprio)],
        ),
    )
    assert refused.status_code == 400
    with app.app_context(), tenant_context("bozze"):
        actions = db.session.scalars(
            sa.select(ServiceChange.action)
            .where(ServiceChange.service_id == service_id)
            .order_by(ServiceChange.id)
        ).all()
    assert actions == ["created", "updated", "published"]
    assert "Doposcuola" in client.get(f"{edit_path}/storia").text


def test_catalog_off_on_a_tenant_is_404_and_calls_no_hook(app, host_client):
    build_network(app, "spento")
    with app.app_context():
        enablement.set_plugin("spento", "catalog", ACTOR, enabled=False)
    recorded = []
    plugins = app.extensions["condiviso.plugins"]
    undo = plugins.pm.add_hookcall_monitoring(
        lambda name, impls, kwargs: recorded.extend(i.plugin_name for i in impls),
        lambda *args: None,
    )
    try:
        client = host_client(f"spento.{PLATFORM_DOMAIN}")
        assert client.get("/servizi").status_code == 404
        assert client.get("/servizi/sad").status_code == 404
        home = client.get("/")
        assert 'role="search"' not in home.text
    finally:
        undo()
    assert "catalog" not in recorded
    with app.app_context():
        enablement.set_plugin("spento", "catalog", ACTOR, enabled=True)


def test_the_catalog_needs_the_cooperatives_plugin(app):
    import pytest

    from condiviso.errors import InvalidInput

    build_network(app, "dipendenze")
    with app.app_context(), pytest.raises(InvalidInput, match="cooperatives"):
        enablement.set_plugin("dipendenze", "cooperatives", ACTOR, enabled=False)


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_a_service_photo_is_checked_stored_and_served(app, host_client):
    import io

    from tests.clients import csrf_token

    ids = build_network(app, "foto")
    girasole = _coop_id(app, "foto", "girasole")
    client = _staff(app, host_client, "foto", "cooperative_staff", cooperative_id=girasole)
    path = f"/admin/servizi/{ids['babysitter']}"
    token = csrf_token(client.get(path).text)
    svg = client.post(
        f"{path}/foto",
        content_type="multipart/form-data",
        data={"csrf_token": token, "photo": (io.BytesIO(b"<svg></svg>"), "foto.svg")},
    )
    assert svg.status_code == 400 and "PNG, JPEG o WebP" in svg.text
    assert _service(app, "foto", "babysitter").photo_sha256 is None
    ok = client.post(
        f"{path}/foto",
        content_type="multipart/form-data",
        data={"csrf_token": token, "photo": (io.BytesIO(PNG), "foto.png")},
    )
    assert ok.status_code == 302
    digest = _service(app, "foto", "babysitter").photo_sha256
    public = host_client(f"foto.{PLATFORM_DOMAIN}")
    assert f"/servizi/foto/{digest}" in public.get("/servizi/babysitter").text
    served = public.get(f"/servizi/foto/{digest}")
    assert served.data == PNG and "sandbox" in served.headers["Content-Security-Policy"]
    served.close()
    other = client.post(
        f"/admin/servizi/{ids['trasporto']}/foto",
        content_type="multipart/form-data",
        data={"csrf_token": token, "photo": (io.BytesIO(PNG), "foto.png")},
    )
    assert other.status_code == 404
    assert _service(app, "foto", "trasporto").photo_sha256 is None


def test_a_service_photo_is_removed_only_when_asked_and_with_a_fresh_form(app, host_client):
    import io

    from tests.clients import csrf_token

    ids = build_network(app, "foto-via")
    girasole = _coop_id(app, "foto-via", "girasole")
    client = _staff(app, host_client, "foto-via", "cooperative_staff", cooperative_id=girasole)
    path = f"/admin/servizi/{ids['babysitter']}"
    token = csrf_token(client.get(path).text)
    nothing = client.post(f"{path}/foto", data={"csrf_token": token})
    assert nothing.status_code == 400 and "Scegli il file della foto." in nothing.text
    client.post(
        f"{path}/foto",
        content_type="multipart/form-data",
        data={"csrf_token": token, "photo": (io.BytesIO(PNG), "foto.png")},
    )
    assert _service(app, "foto-via", "babysitter").photo_sha256 is not None
    expired = client.post(f"{path}/foto", data={"csrf_token": "scaduto", "remove": "1"})
    assert expired.status_code == 400 and "Il modulo è scaduto" in expired.text
    assert _service(app, "foto-via", "babysitter").photo_sha256 is not None
    removed = client.post(f"{path}/foto", data={"csrf_token": token, "remove": "1"})
    assert removed.status_code == 302
    assert _service(app, "foto-via", "babysitter").photo_sha256 is None
