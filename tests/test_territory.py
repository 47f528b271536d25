"""The district admin manages the comuni: contacts and social-services office."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from condiviso.territory.models import Comune
from tests.accounts.flows import post_form, unique_email
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import comune, provision
from tests.people import PASSWORD, make_user


def _admin(app, host_client):
    provision(app, "terr", "Ambito di prova (comuni)", comuni=[comune("012127", "Tradate")])
    admin = unique_email("admin")
    make_user(app, "terr", admin, "district_admin")
    client = host_client(f"terr.{PLATFORM_DOMAIN}")
    post_form(client, "/accedi", {"email": admin, "password": PASSWORD})
    return client


def _comuni(app):
    with app.app_context(), tenant_context("terr"):
        return {
            c.istat_code: (c.name, c.contact_email, c.social_office)
            for c in db.session.scalars(sa.select(Comune))
        }


def test_comuni_are_edited_and_added(app, host_client):
    client = _admin(app, host_client)
    with app.app_context(), tenant_context("terr"):
        tradate = db.session.scalar(sa.select(Comune.id).where(Comune.istat_code == "012127"))
    saved = post_form(
        client,
        f"/admin/comuni/{tradate}",
        {
            "name": "Tradate",
            "istat_code": "012127",
            "contact_email": "Sociali@Comune.Example",
            "social_office": "Piazza Mazzini 6, martedì e giovedì 9-12 (dato di esempio)",
        },
    )
    assert saved.status_code == 302
    added = post_form(
        client, "/admin/comuni/nuovo", {"name": "Castelseprio", "istat_code": "012044"}
    )
    assert added.status_code == 302
    assert _comuni(app) == {
        "012127": (
            "Tradate",
            "sociali@comune.example",
            "Piazza Mazzini 6, martedì e giovedì 9-12 (dato di esempio)",
        ),
        "012044": ("Castelseprio", None, None),
    }


def test_invalid_comuni_change_nothing(app, host_client):
    client = _admin(app, host_client)
    before = _comuni(app)
    for data in (
        {"name": "Doppio", "istat_code": "012127"},
        {"name": "", "istat_code": "1"},
        {"name": "X", "istat_code": "012999", "contact_email": "nope"},
    ):
        assert post_form(client, "/admin/comuni/nuovo", data).status_code == 400
    assert _comuni(app) == before
    assert client.get("/admin/comuni/999999").status_code == 404
