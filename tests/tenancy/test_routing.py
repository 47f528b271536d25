"""The Host header alone picks the site: apex, tenant, unknown (404) or untrusted (400)."""

from __future__ import annotations

from condiviso.errors import InvalidInput
from condiviso.tenancy import domains
from tests.conftest import PLATFORM_DOMAIN, build_app
from tests.districts import ACTOR, provision


def test_apex_host_is_the_platform_site(host_client, alpha):
    response = host_client(PLATFORM_DOMAIN).get("/")
    assert response.status_code == 200
    assert "I distretti" in response.text
    assert alpha.display_name in response.text


def test_tenant_subdomain_reaches_its_portal(host_client, alpha):
    response = host_client(f"alpha.{PLATFORM_DOMAIN}").get("/")
    assert response.status_code == 200
    assert alpha.display_name in response.text
    assert "Portale dimostrativo" not in response.text


def test_host_is_case_insensitive_and_ignores_port(host_client, alpha):
    response = host_client(f"ALPHA.{PLATFORM_DOMAIN.upper()}:8443").get("/")
    assert response.status_code == 200


def test_unknown_subdomain_gets_404_never_a_default_tenant(host_client, alpha, beta):
    response = host_client(f"nobody.{PLATFORM_DOMAIN}").get("/")
    assert response.status_code == 404
    assert alpha.display_name not in response.text
    assert beta.display_name not in response.text


def test_nested_subdomain_is_not_a_tenant(host_client, alpha):
    assert host_client(f"www.alpha.{PLATFORM_DOMAIN}").get("/").status_code == 404


def test_untrusted_host_is_refused(host_client, alpha):
    response = host_client("alpha.evil.example").get("/")
    assert response.status_code == 400
    assert alpha.display_name not in response.text


def test_malformed_host_is_refused(host_client):
    assert host_client("bad_host!").get("/").status_code == 400


def test_tenant_routes_do_not_exist_on_the_apex(host_client, alpha):
    assert host_client(PLATFORM_DOMAIN).get("/comuni/012127").status_code == 404


def test_health_probes_answer_on_any_host(host_client):
    assert host_client("10.0.0.7").get("/healthz").status_code == 200
    assert host_client("unknown.example").get("/readyz").status_code == 200


def test_verified_custom_domain_reaches_its_tenant(app, host_client, new_tenant):
    tenant = new_tenant()
    with app.app_context():
        domains.add_domain(tenant.slug, "welfare.verified.example", ACTOR, verified=True)
    response = host_client("welfare.verified.example").get("/")
    assert response.status_code == 200
    assert tenant.display_name in response.text


def test_unverified_custom_domain_does_not(app, host_client, new_tenant):
    tenant = new_tenant()
    with app.app_context():
        domains.add_domain(tenant.slug, "welfare.pending.example", ACTOR)
    response = host_client("welfare.pending.example").get("/")
    assert response.status_code in (400, 404)
    assert tenant.display_name not in response.text
    with app.app_context():
        domains.verify_domain(tenant.slug, "welfare.pending.example", ACTOR)
    assert host_client("welfare.pending.example").get("/").status_code == 200


def test_custom_domain_cannot_take_a_platform_subdomain(app, new_tenant):
    tenant = new_tenant()
    with app.app_context():
        try:
            domains.add_domain(tenant.slug, f"other.{PLATFORM_DOMAIN}", ACTOR, verified=True)
        except InvalidInput as error:
            assert "hostname" in error.errors
        else:
            raise AssertionError("a platform subdomain was accepted as a custom domain")


def test_forwarded_host_is_ignored_without_a_configured_proxy(host_client, alpha):
    response = host_client("attacker.example").get(
        "/", headers={"X-Forwarded-Host": f"alpha.{PLATFORM_DOMAIN}"}
    )
    assert response.status_code == 400


def test_behind_a_proxy_the_host_header_still_picks_the_site(
    tmp_path_factory, host_client, app, alpha, beta
):
    """PROXY_COUNT trusts the proxy's scheme and client address, never a host a client sent
    through it: the proxy, a cache and the access log all see the `Host` that picked the site."""
    proxied = build_app(tmp_path_factory, PROXY_COUNT=1)
    provision(proxied, "alpha", "Ambito di Alpha (test)")
    provision(proxied, "beta", "Ambito di Beta (test)")
    response = host_client(f"alpha.{PLATFORM_DOMAIN}", proxied).get(
        "/", headers={"X-Forwarded-Host": f"beta.{PLATFORM_DOMAIN}", "X-Forwarded-Proto": "https"}
    )
    assert response.status_code == 200
    assert "Ambito di Alpha" in response.text and "Ambito di Beta" not in response.text
    assert "Strict-Transport-Security" in response.headers  # the scheme is the proxy's


def test_forwarded_host_is_trusted_only_when_configured(tmp_path_factory, host_client):
    proxied = build_app(tmp_path_factory, PROXY_COUNT=1, PROXY_TRUST_HOST=True)
    response = host_client("10.0.0.1", proxied).get(
        "/", headers={"X-Forwarded-Host": PLATFORM_DOMAIN, "X-Forwarded-Proto": "https"}
    )
    assert response.status_code == 200
    assert "I distretti" in response.text
