"""The district's branding on its portal: name, logo, colour, contacts, links."""

from __future__ import annotations

import hashlib

import pytest

from condiviso.plugins import enablement
from condiviso.tenancy import tenant_context
from plugins.branding.services import logo_problems, store_logo
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import ACTOR

LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4"/></svg>'
)
SETTINGS = {
    "display_name": "Welfare di prova",
    "primary_color": "#7a1f3d",
    "footer_links": [{"label": "Sito del comune", "url": "https://comune.example"}],
    "contacts": {"email": "ufficio@prova.example", "phone": "+39 0331 000000"},
}


@pytest.fixture
def branded(app, new_tenant):
    tenant = new_tenant(plugins={"branding": SETTINGS})
    with app.app_context():
        with tenant_context(tenant.slug):
            asset = store_logo(LOGO, "logo.svg")
            from condiviso.extensions import db

            db.session.commit()
            digest = asset.sha256
        enablement.set_plugin(tenant.slug, "branding", ACTOR, True, {**SETTINGS, "logo": digest})
    return tenant, digest


def test_portal_shows_the_branding(host_client, branded):
    tenant, digest = branded
    page = host_client(f"{tenant.slug}.{PLATFORM_DOMAIN}").get("/")
    assert "Welfare di prova" in page.text
    assert f"/branding/logo/{digest}" in page.text
    assert "/branding/theme.css?v=7a1f3d" in page.text
    assert "https://comune.example" in page.text and "Sito del comune" in page.text
    assert "ufficio@prova.example" in page.text


def test_contacts_page_and_theme(host_client, branded):
    tenant, _digest = branded
    client = host_client(f"{tenant.slug}.{PLATFORM_DOMAIN}")
    contacts = client.get("/contatti")
    assert contacts.status_code == 200
    assert "tel:+390331000000" in contacts.text
    theme = client.get("/branding/theme.css")
    assert theme.mimetype == "text/css"
    assert "--bs-primary: #7a1f3d" in theme.text


def test_logo_is_served_from_the_tenant_storage_and_cannot_run_code(host_client, branded):
    tenant, digest = branded
    client = host_client(f"{tenant.slug}.{PLATFORM_DOMAIN}")
    logo = client.get(f"/branding/logo/{digest}")
    assert logo.mimetype == "image/png" and logo.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert "sandbox" in logo.headers["Content-Security-Policy"]
    assert logo.headers["X-Content-Type-Options"] == "nosniff"
    logo.close()
    assert client.get("/branding/logo/" + "0" * 64).status_code == 404
    assert client.get("/branding/logo/..%2f..%2ftenant.sqlite").status_code == 404


def test_logo_of_one_tenant_is_not_served_by_another(host_client, branded, alpha):
    _tenant, digest = branded
    assert (
        host_client(f"alpha.{PLATFORM_DOMAIN}").get(f"/branding/logo/{digest}").status_code == 404
    )


def test_storing_the_same_logo_twice_keeps_one(app, branded):
    tenant, digest = branded
    with app.app_context(), tenant_context(tenant.slug):
        again = store_logo(LOGO, "again.svg")
        assert again.sha256 == digest and again.content_type == "image/png"


HOSTILE_SVGS = [
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><script>alert(1)</script>'
    b'<rect width="4" height="4"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)" viewBox="0 0 4 4">'
    b'<rect width="4" height="4"/></svg>',
    # The entity-encoded colon that a pattern on the raw bytes let through.
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    b'viewBox="0 0 4 4"><a xlink:href="javascript&#58;alert(1)"><rect width="4" height="4"/>'
    b"</a></svg>",
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><foreignObject width="4" '
    b'height="4"><body xmlns="http://www.w3.org/1999/xhtml" onload="alert(1)"/></foreignObject>'
    b"</svg>",
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    b'viewBox="0 0 4 4"><image xlink:href="file:///etc/passwd" width="4" height="4"/></svg>',
]


@pytest.mark.parametrize("svg", HOSTILE_SVGS)
def test_an_svg_logo_is_kept_and_served_only_as_a_drawing(app, host_client, new_tenant, svg):
    tenant = new_tenant(plugins={"branding": {}})
    with app.app_context(), tenant_context(tenant.slug):
        assert logo_problems(svg) == []
        asset = store_logo(svg, "logo.svg")
        from condiviso.extensions import db

        db.session.commit()
        digest = asset.sha256
    served = host_client(f"{tenant.slug}.{PLATFORM_DOMAIN}").get(f"/branding/logo/{digest}")
    data = served.data
    served.close()
    assert served.mimetype == "image/png" and data.startswith(b"\x89PNG")
    for active in (b"script", b"javascript", b"onload", b"passwd", b"<svg"):
        assert active not in data
    assert digest != hashlib.sha256(svg).hexdigest()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "vuoto"),
        (b"GIF89a....", "SVG, PNG, JPEG o WebP"),
        (b"<svg><rect", "non si può leggere"),
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><text>&x;</text></svg>',
            "non si può leggere",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 1"/>', "troppo larga"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024), "1 MB"),
    ],
)
def test_unsafe_or_unsuitable_logos_are_refused(app, data, reason):
    with app.test_request_context():
        assert reason in " ".join(logo_problems(data))
