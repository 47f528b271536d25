"""A tenant's whole database and files in one archive, and offboarding built on it.

The archive is a zip a district can open without Condiviso: `manifest.json` (the tenant, its
schema versions, row counts, the columns written decrypted), `tables/<table>.jsonl` (one JSON
object per row) and `files/`. Columns encrypted at rest are decrypted into the archive, so the
district can read them without any key: the archive holds special-category data in clear.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.pool import NullPool

from condiviso.clock import utcnow
from condiviso.encryption.sealed import UnreadableValue, encrypted_columns, unseal
from condiviso.errors import Conflict
from condiviso.extensions import db
from condiviso.tenancy.databases import (
    database_exists,
    drop_tenant_database,
    remove_tenant_directory,
    tenant_files_path,
)
from condiviso.tenancy.engines import is_database_outage, resolve_url
from condiviso.tenancy.lifecycle import mark_offboarded, record_archive, suspend_tenant
from condiviso.tenancy.migrations import current_heads
from condiviso.tenancy.models import TenantStatus
from condiviso.tenancy.registry import get_tenant, tenant_histories, tenant_info
from condiviso.tenancy.runtime import get_runtime

ARCHIVE_FORMAT = 2


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode()}
    raise TypeError(f"cannot export {type(value).__name__}")


def _read_only_engine(url: str) -> sa.Engine:
    parsed = resolve_url(url, current_app.config["INSTANCE_PATH"])
    if parsed.get_backend_name() == "sqlite":
        from urllib.parse import quote

        parsed = parsed.set(
            database=f"file:{quote(str(parsed.database))}", query={"mode": "ro", "uri": "true"}
        )
    return sa.create_engine(parsed, poolclass=NullPool)


Row = dict[str, Any]


def _decrypter(
    table: sa.Table, sealed: dict[str, str], tenant_id: uuid.UUID
) -> Callable[[Row], Row]:
    """A function turning a row of `table` into the same row with its encrypted columns in
    clear; a value no key opens stops the export."""

    def decrypt(row: Row) -> Row:
        for column, purpose in sealed.items():
            if row.get(column) is None:
                continue
            try:
                row[column] = unseal(row[column], purpose, tenant_id)
            except UnreadableValue as error:
                keys = ", ".join(f"{c.name}={row[c.name]}" for c in table.primary_key.columns)
                raise Conflict(
                    _(
                        "%(table)s.%(column)s (%(row)s) non si decifra: %(reason)s. "
                        "L'archivio non è stato scritto.",
                        table=table.name,
                        column=column,
                        row=keys,
                        reason=error.reason(),
                    )
                ) from None
        return row

    return decrypt


def _write_table(
    archive: zipfile.ZipFile,
    connection: sa.Connection,
    table: sa.Table,
    decrypt: Callable[[Row], Row],
) -> int:
    """Stream the table's rows, decrypted, into `tables/<name>.jsonl`; how many there were."""
    order = list(table.primary_key.columns) or list(table.columns)
    count = 0
    with (
        connection.execution_options(yield_per=1000).execute(
            sa.select(table).order_by(*order)
        ) as rows,
        archive.open(f"tables/{table.name}.jsonl", "w") as out,
    ):
        for row in rows:
            line = json.dumps(decrypt(dict(row._mapping)), default=_json_value, ensure_ascii=False)
            out.write(line.encode() + b"\n")
            count += 1
    return count


def special_category_notice() -> str:
    """What the manifest tells whoever opens the archive."""
    return _(
        "Questo archivio contiene in chiaro dati personali di categoria particolare (art. 9 "
        "GDPR), cifrati nel database e decifrati qui (colonne in «decrypted_columns»): "
        "conservalo cifrato, consegnalo solo al distretto titolare e cancellalo quando non "
        "serve più."
    )


def export_tenant(slug: str, destination: Path | None = None) -> Path:
    """Write the tenant's archive and return its path; the tenant is only read."""
    tenant = get_tenant(slug)
    config = current_app.config
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    path = Path(destination or Path(config["ARCHIVE_PATH"]) / f"{slug}-{stamp}.zip")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    engine = _read_only_engine(tenant.database_url)
    counts: dict[str, int] = {}
    sealed_columns = encrypted_columns(db.metadata)
    decrypted: dict[str, list[str]] = {}
    try:
        with (
            zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive,
            engine.connect() as connection,
        ):
            metadata = sa.MetaData()
            metadata.reflect(connection)
            for table in metadata.sorted_tables:
                sealed = {
                    column: purpose
                    for column, purpose in sealed_columns.get(table.name, {}).items()
                    if column in table.columns
                }
                if sealed:
                    decrypted[table.name] = sorted(sealed)
                decrypt = _decrypter(table, sealed, tenant.id)
                counts[table.name] = _write_table(archive, connection, table, decrypt)
            heads = {h.name: list(current_heads(connection, h)) for h in tenant_histories()}
            files = tenant_files_path(config, slug)
            if files.is_dir():
                for file in sorted(p for p in files.rglob("*") if p.is_file()):
                    archive.write(file, f"files/{file.relative_to(files).as_posix()}")
            manifest = {
                "format": ARCHIVE_FORMAT,
                "exported_at": utcnow().isoformat(),
                "tenant": {
                    "id": str(tenant.id),
                    "slug": tenant.slug,
                    "display_name": tenant.display_name,
                    "status": tenant.status.value,
                    "plan": tenant.plan,
                    "domains": [
                        {"hostname": d.hostname, "verified": d.verified, "primary": d.is_primary}
                        for d in tenant.domains
                    ],
                    "plugins": {
                        p.name: {"enabled": p.enabled, "settings": p.settings}
                        for p in tenant.plugins
                    },
                },
                "database": engine.dialect.name,
                "schema": heads,
                "rows": counts,
                "decrypted_columns": decrypted,
                "special_category_notice": special_category_notice(),
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    except BaseException as error:
        partial.unlink(missing_ok=True)
        if isinstance(error, Exception) and is_database_outage(error):
            from condiviso.outages import TenantDatabaseUnavailable

            raise TenantDatabaseUnavailable(tenant_info(slug)) from error
        raise
    finally:
        engine.dispose()
    os.replace(partial, path)
    return path


def offboard_tenant(slug: str, actor: str) -> Path:
    """Suspend, export to an archive, drop the database and files, mark offboarded.

    Resumable: if a previous run dropped the database after archiving, the recorded archive is
    kept and the remaining steps complete."""
    tenant = get_tenant(slug)
    config = current_app.config
    if tenant.status is TenantStatus.ACTIVE:
        suspend_tenant(slug, actor, reason="offboarding")
    if database_exists(config, tenant.database_url):
        archive = export_tenant(slug)
        record_archive(slug, actor, str(archive))
    elif tenant.archive_path and Path(tenant.archive_path).exists():
        archive = Path(tenant.archive_path)
    else:
        raise Conflict(
            _(
                "Il database del distretto «%(slug)s» non esiste e non c'è un "
                "archivio: impossibile dismetterlo in sicurezza.",
                slug=slug,
            )
        )
    get_runtime().engines.discard(slug)
    drop_tenant_database(config, tenant.database_url)
    remove_tenant_directory(config, slug)
    mark_offboarded(slug, actor, str(archive))
    return archive
