"""Settings are validated when the app starts, with messages that name the variable."""

from __future__ import annotations

import pytest

from condiviso.config import ConfigurationError, build_config


def test_production_requires_a_real_secret_key(tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY is required"):
        build_config({"CONDIVISO_ENV": "production", "INSTANCE_PATH": str(tmp_path)})
    with pytest.raises(ConfigurationError, match="at least 32"):
        build_config(
            {"CONDIVISO_ENV": "production", "SECRET_KEY": "short", "INSTANCE_PATH": str(tmp_path)}
        )


def test_development_keeps_a_generated_secret_across_restarts(tmp_path):
    first = build_config({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    second = build_config({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) >= 32


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TENANT_ENGINE_CACHE_SIZE", "many"),
        ("TENANT_ENGINE_CACHE_SIZE", "0"),
        ("REGISTRY_REFRESH_SECONDS", "-1"),
        ("SESSION_COOKIE_SECURE", "perhaps"),
        ("PLATFORM_DOMAIN", "http://condiviso.it"),
        ("CONDIVISO_ENV", "staging"),
    ],
)
def test_malformed_settings_name_the_variable(tmp_path, variable, value):
    with pytest.raises(ConfigurationError, match=variable):
        build_config({variable: value, "INSTANCE_PATH": str(tmp_path)})


def test_trusted_hosts_default_to_the_platform_domain(tmp_path):
    config = build_config({"PLATFORM_DOMAIN": "Condiviso.IT", "INSTANCE_PATH": str(tmp_path)})
    assert config["PLATFORM_DOMAIN"] == "condiviso.it"
    assert config["TRUSTED_HOSTS_PATTERNS"] == ["condiviso.it", ".condiviso.it"]
