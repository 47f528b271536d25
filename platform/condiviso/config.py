"""Settings: read once from the environment (and a `.env` file), validated, then frozen into
`app.config`.

Every setting has a safe default for a newcomer's machine (SQLite under `instance/`, no Redis);
production sets `CONDIVISO_ENV=production` and must then provide a real `SECRET_KEY` and the
data-encryption key ring `DATA_ENCRYPTION_KEYS`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from condiviso.encryption.ring import KeyRing, KeyRingError, development_key_ring, parse_key_ring

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def _as_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {value!r}")


def _as_int(name: str, value: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, not {number}")
    return number


def _as_float(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, not {value!r}") from None
    if number < 0:
        raise ConfigurationError(f"{name} must not be negative")
    return number


def _as_list(value: str) -> list[str]:
    return [item.strip().lower() for item in value.split(",") if item.strip()]


def read_environment(env_file: str | os.PathLike | None = None) -> dict[str, str]:
    """The process environment over the values of the `.env` file (the environment wins)."""
    path = Path(env_file or os.environ.get("CONDIVISO_ENV_FILE") or Path.cwd() / ".env")
    values = (
        {k: v for k, v in dotenv_values(path).items() if v is not None} if path.is_file() else {}
    )
    values.update(os.environ)
    return values


def _development_secret(instance_path: Path) -> str:
    """A random master secret kept in the instance folder, so restarts keep sessions valid."""
    secret_file = instance_path / "secret_key"
    if not secret_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(secrets.token_urlsafe(48))
        secret_file.chmod(0o600)
    return secret_file.read_text().strip()


def _key_ring(value: str | KeyRing | None, environment: str, instance_path: Path) -> KeyRing:
    """The data-encryption keys: required in production, kept in the instance folder otherwise."""
    if isinstance(value, KeyRing):
        return value
    if not value:
        if environment == "production":
            raise ConfigurationError(
                "DATA_ENCRYPTION_KEYS is required when CONDIVISO_ENV=production "
                "(make a key with `condiviso keys generate`)"
            )
        value = development_key_ring(instance_path)
    try:
        return parse_key_ring(value)
    except KeyRingError as error:
        raise ConfigurationError(f"DATA_ENCRYPTION_KEYS: {error}") from None


def _jobs_backend(chosen: str | None, redis_url: str | None) -> str:
    """Where jobs run: `rq` (a Redis queue and workers) or `inline` (in the enqueuing process)."""
    backend = chosen or ("rq" if redis_url else "inline")
    if backend not in {"rq", "inline"}:
        raise ConfigurationError(f"JOBS_BACKEND must be rq or inline, not {backend!r}")
    if backend == "rq" and not redis_url:
        raise ConfigurationError("JOBS_BACKEND=rq needs REDIS_URL")
    return backend


def _platform_bind(config: Mapping[str, Any]) -> dict[str, Any]:
    """The platform database's engine options: on PostgreSQL, connections are tested before
    use (a restarted server leaves none stale) and connecting gives up after a timeout."""
    url = config["DATABASE_URL"]
    if not str(url).startswith("postgresql"):
        return {"url": url}
    return {
        "url": url,
        "pool_pre_ping": True,
        "connect_args": {"connect_timeout": config["DATABASE_CONNECT_TIMEOUT"]},
    }


def build_config(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Turn environment variables into Flask config keys, failing early on bad values."""
    env = dict(read_environment() if environ is None else environ)
    overrides = dict(overrides or {})
    get = env.get

    instance_path = Path(
        overrides.get("INSTANCE_PATH") or get("INSTANCE_PATH") or REPOSITORY_ROOT / "instance"
    ).resolve()
    environment = (overrides.get("CONDIVISO_ENV") or get("CONDIVISO_ENV") or "development").lower()
    if environment not in {"development", "production", "testing"}:
        raise ConfigurationError("CONDIVISO_ENV must be development, production or testing")

    secret_key = overrides.get("SECRET_KEY") or get("SECRET_KEY")
    if not secret_key:
        if environment == "production":
            raise ConfigurationError("SECRET_KEY is required when CONDIVISO_ENV=production")
        secret_key = _development_secret(instance_path)
    if environment == "production" and len(secret_key) < 32:
        raise ConfigurationError("SECRET_KEY must be at least 32 characters in production")

    platform_domain = (get("PLATFORM_DOMAIN") or "localhost").strip().lower().rstrip(".")
    trusted = _as_list(get("TRUSTED_HOSTS", "")) or [platform_domain, f".{platform_domain}"]

    config: dict[str, Any] = {
        "CONDIVISO_ENV": environment,
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": secret_key,
        "DATA_ENCRYPTION_KEYS": get("DATA_ENCRYPTION_KEYS") or None,
        "PLATFORM_DOMAIN": platform_domain,
        "PLATFORM_NAME": get("PLATFORM_NAME") or "Condiviso",
        "TRUSTED_HOSTS_PATTERNS": trusted,
        "PREFERRED_URL_SCHEME": get("PREFERRED_URL_SCHEME") or "http",
        "PUBLIC_PORT": get("PUBLIC_PORT")
        or (get("PORT", "8000") if environment == "development" else None),
        "PROXY_COUNT": _as_int("PROXY_COUNT", get("PROXY_COUNT", "0")),
        "PROXY_TRUST_HOST": _as_bool("PROXY_TRUST_HOST", get("PROXY_TRUST_HOST", "false")),
        "DATABASE_URL": get("DATABASE_URL") or "sqlite:///platform.sqlite",
        "TENANT_DATABASE_SERVER": (get("TENANT_DATABASE_SERVER") or "").rstrip("/") or None,
        "DATABASE_NAME_PREFIX": get("DATABASE_NAME_PREFIX") or "condiviso_",
        "TENANT_ENGINE_CACHE_SIZE": _as_int(
            "TENANT_ENGINE_CACHE_SIZE", get("TENANT_ENGINE_CACHE_SIZE", "128"), minimum=1
        ),
        "TENANT_POOL_SIZE": _as_int("TENANT_POOL_SIZE", get("TENANT_POOL_SIZE", "1"), minimum=1),
        "TENANT_POOL_OVERFLOW": _as_int("TENANT_POOL_OVERFLOW", get("TENANT_POOL_OVERFLOW", "3")),
        "SQLITE_BUSY_TIMEOUT_MS": _as_int(
            "SQLITE_BUSY_TIMEOUT_MS", get("SQLITE_BUSY_TIMEOUT_MS", "5000")
        ),
        "REDIS_URL": get("REDIS_URL") or None,
        "REDIS_PREFIX": get("REDIS_PREFIX") or "condiviso:",
        "REGISTRY_REFRESH_SECONDS": _as_float(
            "REGISTRY_REFRESH_SECONDS", get("REGISTRY_REFRESH_SECONDS", "1.0")
        ),
        # While the platform database (or Redis, for the version) fails: serve the last good
        # registry snapshot this long, trying again at most every REGISTRY_RETRY_SECONDS.
        "REGISTRY_STALE_SECONDS": _as_float(
            "REGISTRY_STALE_SECONDS", get("REGISTRY_STALE_SECONDS", "300")
        ),
        "REGISTRY_RETRY_SECONDS": _as_float(
            "REGISTRY_RETRY_SECONDS", get("REGISTRY_RETRY_SECONDS", "5")
        ),
        # Seconds before giving up on connecting to a PostgreSQL database, and on Redis (which
        # is then left alone for REDIS_RETRY_SECONDS, the app using its fallbacks meanwhile).
        "DATABASE_CONNECT_TIMEOUT": _as_int(
            "DATABASE_CONNECT_TIMEOUT", get("DATABASE_CONNECT_TIMEOUT", "5"), minimum=1
        ),
        "REDIS_TIMEOUT_SECONDS": _as_float(
            "REDIS_TIMEOUT_SECONDS", get("REDIS_TIMEOUT_SECONDS", "1.0")
        ),
        "REDIS_RETRY_SECONDS": _as_float("REDIS_RETRY_SECONDS", get("REDIS_RETRY_SECONDS", "5")),
        "UPGRADE_JOBS": _as_int("UPGRADE_JOBS", get("UPGRADE_JOBS", "4"), minimum=1),
        # Empty: `rq` when Redis is configured, else `inline` (decided below, after overrides).
        "JOBS_BACKEND": (get("JOBS_BACKEND") or "").strip().lower() or None,
        "JOBS_TICK_SECONDS": _as_int(
            "JOBS_TICK_SECONDS", get("JOBS_TICK_SECONDS", "300"), minimum=1
        ),
        "ARCHIVE_PATH": get("ARCHIVE_PATH") or str(instance_path / "archives"),
        "LOG_LEVEL": (get("LOG_LEVEL") or "INFO").upper(),
        "MAIL_FROM": get("MAIL_FROM") or f"noreply@{platform_domain}",
        "MAIL_REPLY_TO": get("MAIL_REPLY_TO") or None,
        "MAIL_OUTBOX": get("MAIL_OUTBOX") or str(instance_path / "outbox"),
        "SMTP_HOST": get("SMTP_HOST") or None,
        "SMTP_PORT": _as_int("SMTP_PORT", get("SMTP_PORT", "587"), minimum=1),
        "SMTP_USERNAME": get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _as_bool("SMTP_STARTTLS", get("SMTP_STARTTLS", "true")),
        "SMTP_SSL": _as_bool("SMTP_SSL", get("SMTP_SSL", "false")),
        # Each delivery attempt (a job, never a request) gives up after this many seconds.
        "SMTP_TIMEOUT": _as_float("SMTP_TIMEOUT", get("SMTP_TIMEOUT", "10")),
        "RATELIMIT_ENABLED": _as_bool("RATELIMIT_ENABLED", get("RATELIMIT_ENABLED", "true")),
        "INVITATION_DAYS": _as_int("INVITATION_DAYS", get("INVITATION_DAYS", "7"), minimum=1),
        "STAFF_IDLE_MINUTES": _as_int(
            "STAFF_IDLE_MINUTES", get("STAFF_IDLE_MINUTES", "30"), minimum=1
        ),
        "BABEL_DEFAULT_LOCALE": "it",
        "BABEL_DEFAULT_TIMEZONE": get("TIMEZONE") or "Europe/Rome",
        "LANGUAGES": ["it", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _as_bool(
            "SESSION_COOKIE_SECURE",
            get("SESSION_COOKIE_SECURE", "true" if environment == "production" else "false"),
        ),
        "MAX_CONTENT_LENGTH": _as_int(
            "MAX_CONTENT_LENGTH", get("MAX_CONTENT_LENGTH", str(8 * 1024 * 1024))
        ),
    }
    if not platform_domain or "/" in platform_domain or ":" in platform_domain:
        raise ConfigurationError("PLATFORM_DOMAIN must be a host name such as condiviso.it")
    config.update(overrides)
    config["DATA_ENCRYPTION_KEYS"] = _key_ring(
        config["DATA_ENCRYPTION_KEYS"], environment, instance_path
    )
    config["JOBS_BACKEND"] = _jobs_backend(config["JOBS_BACKEND"], config["REDIS_URL"])
    config["SQLALCHEMY_BINDS"] = {"platform": _platform_bind(config)}
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    config["TESTING"] = config["CONDIVISO_ENV"] == "testing"
    return config
