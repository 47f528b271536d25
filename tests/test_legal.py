"""The legal pages: starting texts for every new district, versions kept, safe rendering."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.legal.models import LegalPage
from condiviso.tenancy import tenant_context
from tests.accounts.flows import post_form, unique_email
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import provision
from tests.people import PASSWORD, make_user


@pytest.fixture(scope="module")
def district(app):
    provision(app, "legal", "Ambito di prova (pagine legali)")
    admin = unique_email("admin")
    make_user(app, "legal", admin, "district_admin")
    return admin


def test_a_new_district_has_every_legal_page_in_both_languages(app, host_client, district):
    client = host_client(f"legal.{PLATFORM_DOMAIN}")
    for path, title in (
        ("/privacy", "Informativa sulla privacy"),
        ("/accessibilita", "Dichiarazione di accessibilità"),
        ("/cookie", "Informativa sui cookie"),
    ):
        page = client.get(path)
        assert page.status_code == 200 and title in page.text
        assert "Ambito di prova (pagine legali)" in page.text
    english = client.get("/privacy", headers={"Accept-Language": "en"})
    assert "Privacy notice" in english.text
    footer = client.get("/").text
    assert all(
        link in footer for link in ('href="/privacy"', 'href="/accessibilita"', 'href="/cookie"')
    )


def test_editing_publishes_a_new_version_and_keeps_the_old(app, host_client, district):
    client = host_client(f"legal.{PLATFORM_DOMAIN}")
    post_form(client, "/accedi", {"email": district, "password": PASSWORD})
    saved = post_form(
        client,
        "/admin/pagine/privacy/it",
        {
            "title": "Informativa privacy del distretto",
            "body": "## Titolare\n\nIl Comune capofila.\n\n<script>alert(1)</script>\n\n"
            "[link](javascript:alert(1)) e [sito](https://comune.example)",
        },
    )
    assert saved.status_code == 302
    page = client.get("/privacy").text
    assert "Informativa privacy del distretto" in page and "<h2>Titolare</h2>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page and 'href="https://comune.example"' in page
    assert "Versione 2" in page
    with app.app_context(), tenant_context("legal"):
        versions = db.session.scalars(
            sa.select(LegalPage.version).where(
                LegalPage.kind == "privacy", LegalPage.locale == "it"
            )
        ).all()
    assert sorted(versions) == [1, 2]


def test_legal_pages_cannot_be_edited_with_empty_or_huge_texts(app, host_client, district):
    client = host_client(f"legal.{PLATFORM_DOMAIN}")
    post_form(client, "/accedi", {"email": district, "password": PASSWORD})
    for data in (
        {"title": "", "body": "testo"},
        {"title": "Titolo", "body": ""},
        {"title": "Titolo", "body": "x" * 50001},
    ):
        assert post_form(client, "/admin/pagine/cookies/it", data).status_code == 400
    assert client.get("/admin/pagine/nonsense/it").status_code == 404
    assert client.get("/admin/pagine/privacy/de").status_code == 404
