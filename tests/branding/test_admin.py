"""The district admin's branding pages: settings form from the schema, logo upload."""

from __future__ import annotations

import io

import pytest

from condiviso.tenancy import registry
from tests.accounts.flows import post_form, unique_email
from tests.clients import csrf_token
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import provision
from tests.people import PASSWORD, make_user

LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4"/></svg>'
)


@pytest.fixture
def admin_client(app, host_client):
    slug = f"brand-{unique_email('x')[2:10]}"
    provision(app, slug, "Ambito di prova (aspetto)", plugins={"branding": {}})
    admin = unique_email("admin")
    make_user(app, slug, admin, "district_admin")
    client = host_client(f"{slug}.{PLATFORM_DOMAIN}")
    post_form(client, "/accedi", {"email": admin, "password": PASSWORD})
    return slug, client


def _settings(app, slug):
    with app.app_context():
        return registry.get_tenant(slug).plugin("branding").settings


def test_settings_are_saved_and_shown(app, admin_client):
    slug, client = admin_client
    saved = post_form(
        client,
        "/admin/aspetto",
        {
            "display_name": "Welfare di prova",
            "primary_color": "#7A1F3D",
            "sender_name": "Sportello",
            "reply_to": "sportello@prova.example",
            "footer_links.0.label": "Comune",
            "footer_links.0.url": "https://comune.example",
            "footer_links.1.label": "",
            "footer_links.1.url": "",
            "contacts.email": "info@prova.example",
        },
    )
    assert saved.status_code == 302
    settings = _settings(app, slug)
    assert settings["primary_color"] == "#7a1f3d"
    assert settings["footer_links"] == [{"label": "Comune", "url": "https://comune.example"}]
    assert settings["contacts"] == {"email": "info@prova.example"}
    home = client.get("/").text
    assert "Welfare di prova" in home and "https://comune.example" in home


def test_invalid_settings_show_field_errors_and_change_nothing(app, admin_client):
    slug, client = admin_client
    before = _settings(app, slug)
    refused = post_form(
        client,
        "/admin/aspetto",
        {
            "primary_color": "#ffdd00",
            "footer_links.0.label": "X",
            "footer_links.0.url": "javascript:alert(1)",
            "contacts.email": "nope",
        },
    )
    assert refused.status_code == 400
    assert "4,5:1" in refused.text
    assert 'id="f-footer_links-0-url"' in refused.text and 'aria-invalid="true"' in refused.text
    assert _settings(app, slug) == before


def test_logo_upload_is_checked_and_served(app, admin_client):
    slug, client = admin_client
    token = csrf_token(client.get("/admin/aspetto").text)
    bad = client.post(
        "/admin/aspetto/logo",
        data={"csrf_token": token, "logo": (io.BytesIO(b"GIF89a not allowed"), "logo.gif")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and "SVG, PNG, JPEG o WebP" in bad.text
    assert _settings(app, slug).get("logo") is None
    good = client.post(
        "/admin/aspetto/logo",
        data={"csrf_token": token, "logo": (io.BytesIO(LOGO), "logo.svg")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    digest = _settings(app, slug)["logo"]
    assert f"/branding/logo/{digest}" in client.get("/").text
    logo = client.get(f"/branding/logo/{digest}")
    assert logo.mimetype == "image/png"  # an SVG is kept only as its drawing
    logo.close()
    assert (
        post_form(client, "/admin/aspetto/logo/rimuovi", {}, page="/admin/aspetto").status_code
        == 302
    )
    assert _settings(app, slug)["logo"] is None
