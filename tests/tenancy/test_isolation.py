"""A tenant's data, sessions and keys never reach another tenant."""

from __future__ import annotations

import json
import zipfile

import pytest
import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeTimedSerializer

from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from condiviso.tenancy.keys import SESSION_TENANT_KEY, derive_key, token_serializer
from condiviso.territory.models import Comune
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import comune


def test_data_written_in_one_tenant_is_invisible_from_the_other(app, host_client, new_tenant):
    first, second = new_tenant(), new_tenant()
    with app.app_context(), tenant_context(first.slug):
        db.session.add(Comune(**comune("012127", "Tradate")))
        db.session.commit()

    assert host_client(f"{first.slug}.{PLATFORM_DOMAIN}").get("/comuni/012127").status_code == 200
    assert host_client(f"{second.slug}.{PLATFORM_DOMAIN}").get("/comuni/012127").status_code == 404
    home = host_client(f"{second.slug}.{PLATFORM_DOMAIN}").get("/")
    assert "Tradate" not in home.text

    with app.app_context(), tenant_context(second.slug):
        assert db.session.scalars(sa.select(Comune)).all() == []


def test_cli_of_one_tenant_does_not_see_the_other(app, new_tenant, tmp_path):
    first, second = new_tenant(comuni=[comune("012044", "Castelseprio")]), new_tenant()
    archive = tmp_path / "second.zip"
    result = app.test_cli_runner().invoke(
        args=["tenant", "export", second.slug, "--output", str(archive)]
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as bundle:
        assert bundle.read("tables/comune.jsonl") == b""
        manifest = json.loads(bundle.read("manifest.json"))
    assert manifest["tenant"]["slug"] == second.slug
    assert first.slug not in json.dumps(manifest)


def test_session_cookie_of_one_tenant_is_ignored_on_another(host_client, alpha, beta):
    on_alpha = host_client(f"alpha.{PLATFORM_DOMAIN}")
    on_alpha.get("/lingua/en")
    cookie = on_alpha.cookie()
    assert cookie
    assert 'lang="en"' in on_alpha.get("/").text

    on_beta = host_client(f"beta.{PLATFORM_DOMAIN}")
    response = on_beta.get("/", headers={"Cookie": f"session={cookie}"})
    assert 'lang="it"' in response.text


def test_session_is_rechecked_against_the_host(app, host_client, alpha, beta):
    """Even a correctly signed cookie is refused when it names another tenant."""
    forged = URLSafeTimedSerializer(
        derive_key(app.config["SECRET_KEY"], "session", beta.id),
        salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": __import__("hashlib").sha1},
    ).dumps({SESSION_TENANT_KEY: str(alpha.id), "locale": "en"})
    response = host_client(f"beta.{PLATFORM_DOMAIN}").get(
        "/", headers={"Cookie": f"session={forged}"}
    )
    assert 'lang="it"' in response.text


def test_tokens_of_one_tenant_or_purpose_are_refused_by_another(app, alpha, beta):
    with app.app_context():
        token = token_serializer("invitation", alpha.id).dumps({"email": "anna@example.org"})
        assert token_serializer("invitation", alpha.id).loads(token, max_age=60) == {
            "email": "anna@example.org"
        }
        for other in (
            token_serializer("invitation", beta.id),
            token_serializer("password-reset", alpha.id),
        ):
            with pytest.raises(BadSignature):
                other.loads(token, max_age=60)


def test_signing_keys_differ_per_tenant_and_purpose(app, alpha, beta):
    secret = app.config["SECRET_KEY"]
    keys = {
        derive_key(secret, "session", alpha.id),
        derive_key(secret, "session", beta.id),
        derive_key(secret, "session", None),
        derive_key(secret, "tokens", alpha.id),
    }
    assert len(keys) == 4
    assert all(len(key) == 32 for key in keys)
