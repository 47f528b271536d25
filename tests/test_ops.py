"""Health probes and logs that carry the tenant and the request id."""

from __future__ import annotations

import io
import logging

from condiviso.accounts.roles import Audience, allow
from condiviso.ops.logs import LOG_FORMAT, REQUEST_ID_HEADER, TenantContextFilter
from tests.conftest import PLATFORM_DOMAIN, build_app
from tests.districts import provision


def test_healthz_says_the_process_is_alive(host_client):
    response = host_client(PLATFORM_DOMAIN).get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_checks_the_platform_database_and_redis(host_client):
    response = host_client(PLATFORM_DOMAIN).get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"platform_database": "ok", "redis": "ok"}


def test_readyz_stays_ready_but_degraded_when_redis_is_unreachable(tmp_path_factory, host_client):
    """The app lives through Redis failing: a load balancer must not pull it for that."""
    degraded = build_app(tmp_path_factory, REDIS_URL="redis://127.0.0.1:1/0")
    response = host_client(PLATFORM_DOMAIN, degraded).get("/readyz")
    assert response.status_code == 200
    assert response.json == {
        "status": "degraded",
        "checks": {"platform_database": "ok", "redis": "degraded"},
    }
    # The site keeps serving: the registry falls back to reloading from the database.
    assert host_client(PLATFORM_DOMAIN, degraded).get("/").status_code == 200


def test_request_id_is_returned_and_accepted_from_the_proxy(host_client, alpha):
    client = host_client(f"alpha.{PLATFORM_DOMAIN}")
    generated = client.get("/").headers[REQUEST_ID_HEADER]
    assert len(generated) == 32
    given = client.get("/", headers={REQUEST_ID_HEADER: "edge-1234abcd"})
    assert given.headers[REQUEST_ID_HEADER] == "edge-1234abcd"
    hostile = client.get("/", headers={REQUEST_ID_HEADER: "<script>alert(1)</script>"})
    assert len(hostile.headers[REQUEST_ID_HEADER]) == 32


def test_log_lines_carry_tenant_and_request_id(tmp_path_factory, host_client):
    logged = build_app(tmp_path_factory)
    provision(logged, "gamma", "Ambito di Gamma (test)")

    @logged.get("/_log")
    @allow(Audience.EVERYONE)
    def _log():
        logging.getLogger("condiviso.test").warning("something happened")
        return "ok"

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(TenantContextFilter())
    logging.getLogger("condiviso.test").addHandler(handler)
    try:
        host_client(f"gamma.{PLATFORM_DOMAIN}", logged).get(
            "/_log", headers={REQUEST_ID_HEADER: "req-0000feed"}
        )
    finally:
        logging.getLogger("condiviso.test").removeHandler(handler)
    line = stream.getvalue()
    assert "[tenant=gamma request=req-0000feed]" in line
    assert "something happened" in line
