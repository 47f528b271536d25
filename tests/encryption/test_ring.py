"""The data-encryption key ring: its own setting, apart from SECRET_KEY; required in production,
kept in the instance folder in development; malformed rings refused at start with the reason."""

from __future__ import annotations

import os
import re

import pytest
from click.testing import CliRunner

from condiviso.cli import command_line
from condiviso.config import ConfigurationError, build_config
from condiviso.encryption.ring import encode_key, parse_key_ring

KEY_1 = encode_key(b"ring-test-key-number-one-32bytes")
KEY_2 = encode_key(b"ring-test-key-number-two-32bytes")


def test_production_requires_the_key_ring(tmp_path):
    settings = {
        "CONDIVISO_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "INSTANCE_PATH": str(tmp_path),
    }
    with pytest.raises(ConfigurationError, match="DATA_ENCRYPTION_KEYS is required"):
        build_config(settings)
    ring = build_config({**settings, "DATA_ENCRYPTION_KEYS": f"2:{KEY_2}, 1:{KEY_1}"})[
        "DATA_ENCRYPTION_KEYS"
    ]
    assert ring.versions == (2, 1)
    assert ring.newest == (2, b"ring-test-key-number-two-32bytes")
    assert not (tmp_path / "data_encryption_keys").exists()


def test_development_keeps_a_generated_ring_across_restarts(tmp_path):
    first = build_config({"INSTANCE_PATH": str(tmp_path)})["DATA_ENCRYPTION_KEYS"]
    second = build_config({"INSTANCE_PATH": str(tmp_path)})["DATA_ENCRYPTION_KEYS"]
    assert first == second and first.versions == (1,)
    stored = tmp_path / "data_encryption_keys"
    assert stored.stat().st_mode & 0o777 == 0o600
    assert parse_key_ring(stored.read_text()) == first


@pytest.mark.parametrize(
    ("ring", "reason"),
    [
        ("", "no key"),
        (KEY_1, "entry 1 must be version:key"),
        (f"0:{KEY_1}", "entry 1 must be version:key"),
        (f"uno:{KEY_1}", "entry 1 must be version:key"),
        ("1:not*base64", "not base64url|32 bytes"),
        (f"1:{KEY_1[:-4]}", "32 bytes"),
        (f"1:{KEY_1},2:{KEY_2}", "newest key comes first"),
        (f"2:{KEY_2},2:{KEY_1}", "newest key comes first"),
    ],
)
def test_malformed_rings_are_refused_with_the_reason(tmp_path, ring, reason):
    with pytest.raises(ConfigurationError, match="DATA_ENCRYPTION_KEYS") as refused:
        build_config(
            {
                "CONDIVISO_ENV": "production",
                "SECRET_KEY": "s" * 40,
                "INSTANCE_PATH": str(tmp_path),
                "DATA_ENCRYPTION_KEYS": ring or " , ",
            }
        )
    assert re.search(reason, str(refused.value))
    assert KEY_1 not in str(refused.value) and KEY_2 not in str(refused.value)


def test_the_keys_never_show_in_the_settings_printed():
    ring = parse_key_ring(f"2:{KEY_2},1:{KEY_1}")
    assert repr(ring) == "KeyRing(versions=(2, 1))"
    assert "ring-test" not in repr({"DATA_ENCRYPTION_KEYS": ring})


def _generate(**environment: str):
    env = {"CONDIVISO_ENV_FILE": os.devnull, **environment}
    cleared = {name: None for name in ("DATA_ENCRYPTION_KEYS", "SECRET_KEY", "CONDIVISO_ENV")}
    return CliRunner().invoke(command_line(), ["keys", "generate"], env={**cleared, **env})


def test_keys_generate_makes_the_first_key_before_production_can_start():
    result = _generate(CONDIVISO_ENV="production")
    assert result.exit_code == 0, result.output
    entry = result.stdout.strip()
    assert re.fullmatch(r"1:[A-Za-z0-9_-]{43}", entry)
    assert parse_key_ring(entry).versions == (1,)
    assert _generate(CONDIVISO_ENV="production").stdout.strip() != entry


def test_keys_generate_makes_the_next_version_of_the_ring():
    result = _generate(CONDIVISO_ENV="production", DATA_ENCRYPTION_KEYS=f"2:{KEY_2},1:{KEY_1}")
    assert result.exit_code == 0, result.output
    entry = result.stdout.strip()
    assert entry.startswith("3:")
    assert parse_key_ring(f"{entry},2:{KEY_2},1:{KEY_1}").versions == (3, 2, 1)
    assert "keys reencrypt" in result.stderr


def test_keys_generate_continues_the_development_ring(tmp_path):
    ring = build_config({"INSTANCE_PATH": str(tmp_path)})["DATA_ENCRYPTION_KEYS"]
    result = _generate(INSTANCE_PATH=str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{ring.newest[0] + 1}:")


def test_keys_generate_refuses_a_malformed_ring():
    result = _generate(CONDIVISO_ENV="production", DATA_ENCRYPTION_KEYS="1:corta")
    assert result.exit_code == 2
    assert "DATA_ENCRYPTION_KEYS non è valida" in result.output
