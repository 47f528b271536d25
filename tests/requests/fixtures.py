"""A district with requests, for the requests tests: building it, signing in, asking for a
service, reading what was stored."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.plugins import enablement
from condiviso.tenancy import tenant_context
from plugins.cooperatives.models import Cooperative
from plugins.requests.models import Request
from tests.accounts.flows import post_form, unique_email
from tests.catalog.fixtures import build_network
from tests.clients import csrf_token
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import ACTOR
from tests.people import PASSWORD, make_user


def build_district(app, slug):
    build_network(app, slug)
    with app.app_context():
        enablement.set_plugin(slug, "requests", ACTOR, True, {})
        with tenant_context(slug):
            for cooperative in db.session.scalars(sa.select(Cooperative)):
                cooperative.email = f"sportello-{cooperative.slug}@{slug}.example.org"
            db.session.commit()
            return {c.slug: c.id for c in db.session.scalars(sa.select(Cooperative))}


def signed_in(app, host_client, slug, *roles, **scope):
    email = unique_email("persona")
    make_user(app, slug, email, *roles, **scope)
    client = host_client(f"{slug}.{PLATFORM_DOMAIN}", app)
    assert post_form(client, "/accedi", {"email": email, "password": PASSWORD}).status_code == 302
    return client, email


def ask(client, service_slug, **data):
    page = client.get(f"/servizi/{service_slug}/richiedi")
    token = csrf_token(page.text)
    submission = page.text.split('name="submission" value="')[1].split('"')[0]
    return client.post(
        f"/servizi/{service_slug}/richiedi",
        data={"csrf_token": token, "submission": submission, **data},
    ), submission


def stored_requests(app, slug):
    with app.app_context(), tenant_context(slug):
        return list(
            db.session.execute(sa.select(Request.id, Request.status, Request.cooperative_id)).all()
        )
