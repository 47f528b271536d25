"""Italian first, English second: the switch, the browser's preference, complete catalogs."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.conftest import PLATFORM_DOMAIN
from tests.districts import comune

REPOSITORY = Path(__file__).resolve().parents[1]
CATALOG = REPOSITORY / "platform/condiviso/translations/en/LC_MESSAGES/messages.po"


def test_italian_is_the_default(host_client):
    page = host_client(PLATFORM_DOMAIN).get("/")
    assert 'lang="it"' in page.text and "Vai al contenuto principale" in page.text


def test_browser_preference_for_english_is_honoured(host_client):
    page = host_client(PLATFORM_DOMAIN).get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="en"' in page.text and "Skip to main content" in page.text


def test_language_switch_is_remembered_and_goes_back(host_client, alpha):
    client = host_client(f"alpha.{PLATFORM_DOMAIN}")
    switched = client.get("/lingua/en?next=/contatti")
    assert switched.status_code == 302 and switched.headers["Location"] == "/contatti"
    assert "Contacts" in client.get("/contatti").text
    client.get("/lingua/it")
    assert "Contatti" in client.get("/contatti").text


def test_language_switch_never_redirects_elsewhere(host_client):
    client = host_client(PLATFORM_DOMAIN)
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.get("/lingua/en", query_string={"next": target})
        assert response.headers["Location"] == "/"
    assert client.get("/lingua/de").status_code == 404


def test_a_control_character_in_next_never_reaches_the_location_header(host_client):
    client = host_client(PLATFORM_DOMAIN)
    for raw in ("next=%2F%0Aenv%3B", "next=%2F%0D%0ASet-Cookie:x=1", "next=/%09x"):
        response = client.get(f"/lingua/en?{raw}")
        assert response.status_code == 302 and response.headers["Location"] == "/"
    # A NUL byte is refused before any view runs (security._refuse_nul_bytes), never redirected.
    nul = client.get("/lingua/en?next=/%00")
    assert nul.status_code == 400 and "Location" not in nul.headers
    kept = client.get("/lingua/en?next=%2Fservizi%3Fq%3Dcasa%2Banziani")
    assert kept.headers["Location"] == "/servizi?q=casa+anziani"


def test_switching_language_changes_nothing_stored(app, host_client, alpha):
    """A GET must not write: the saved language (for e-mails) changes on the account page."""
    from condiviso.accounts.models import User
    from condiviso.extensions import db
    from condiviso.tenancy import tenant_context
    from tests.clients import sign_in
    from tests.people import make_user

    email = "lingua-ferma@esempio.it"
    user_id = make_user(app, "alpha", email, "citizen")
    client = host_client(f"alpha.{PLATFORM_DOMAIN}")
    sign_in(client, email)
    assert client.get("/lingua/en").status_code == 302
    assert "My account" in client.get("/account").text
    with app.app_context(), tenant_context("alpha"):
        assert db.session.get(User, user_id).locale == "it"


def test_numbers_follow_the_locale(host_client, new_tenant):
    tenant = new_tenant(comuni=[comune("012127", "Tradate", population=17729)])
    client = host_client(f"{tenant.slug}.{PLATFORM_DOMAIN}")
    assert "17.729" in client.get("/comuni/012127").text
    english = client.get("/comuni/012127", headers={"Accept-Language": "en"})
    assert "17,729" in english.text and "Municipality of Tradate" in english.text


def test_every_message_has_an_english_translation():
    with open(REPOSITORY / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    extracted = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(REPOSITORY), method_map, options_map, keywords=keywords
        )
    }
    with open(CATALOG, "rb") as file:
        catalog = read_po(file)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]  # a plural message: its singular
        for m in catalog
        if m.id and m.string and all(m.string) and "fuzzy" not in m.flags
    }
    missing = sorted(extracted - translated)
    assert missing == [], f"run scripts/translations and translate: {missing[:10]}"
