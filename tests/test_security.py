"""Security headers and cookie flags on every response."""

from __future__ import annotations

from tests.accounts.flows import post_form, unique_email
from tests.conftest import PLATFORM_DOMAIN, build_app
from tests.districts import provision
from tests.people import PASSWORD, make_user


def test_pages_carry_a_content_security_policy_of_own_assets_only(host_client, alpha):
    for client in (host_client(PLATFORM_DOMAIN), host_client(f"alpha.{PLATFORM_DOMAIN}")):
        headers = client.get("/").headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "'unsafe-inline'" not in policy and "*" not in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(host_client, alpha):
    for path in ("/", "/accedi", "/registrati", "/privacy", "/contatti"):
        html = host_client(f"alpha.{PLATFORM_DOMAIN}").get(path).text
        assert "<script>" not in html and "style=" not in html and "<style" not in html, path


def test_session_cookie_is_host_only_httponly_lax_and_secure_in_production(tmp_path_factory):
    production = build_app(tmp_path_factory, CONDIVISO_ENV="production")
    provision(production, "cookies", "Ambito dei cookie")
    email = unique_email()
    make_user(production, "cookies", email, "citizen")
    from tests.clients import HostClient

    client = HostClient(production, f"cookies.{PLATFORM_DOMAIN}")
    response = post_form(client, "/accedi", {"email": email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "Domain=" not in cookie


def test_a_nul_byte_anywhere_in_the_address_is_refused_before_any_work(host_client, alpha):
    """PostgreSQL refuses NUL in any string: a search for `%00` answered 500 there."""
    client = host_client(f"alpha.{PLATFORM_DOMAIN}")
    for path in ("/?q=%00", "/contatti?x=a%00b", "/comuni/01%00", "/?%00=1"):
        response = client.get(path)
        assert response.status_code == 400 and "Richiesta non valida" in response.text, path
    assert client.get("/?q=%2500").status_code == 200  # the text "%00" is only text
