"""The one audit function (DESIGN.md §7): every read or change of a citizen's sensitive record by
staff calls `record_access`, in the same transaction as the work it describes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import has_request_context
from flask_login import current_user

from condiviso.audit.models import AccessAudit
from condiviso.extensions import db

ACTIONS = frozenset({"read", "create", "update", "delete"})


def record_access(
    action: str,
    record_type: str,
    record_id: object,
    subject_user_id: int | None = None,
    reason: str | None = None,
) -> AccessAudit:
    """Add an audit row for the signed-in person's `action` on a record; the caller commits."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    actor = current_user if has_request_context() and current_user.is_authenticated else None
    row = AccessAudit(
        actor_user_id=getattr(actor, "id", None),
        actor_label=(f"{actor.full_name} <{actor.username}>" if actor is not None else "system"),
        action=action,
        record_type=record_type,
        record_id=str(record_id),
        subject_user_id=subject_user_id,
        reason=reason,
    )
    db.session.add(row)
    return row


def accesses(
    record_type: str | None = None,
    record_id: object | None = None,
    subject_user_id: int | None = None,
    limit: int = 200,
) -> list[AccessAudit]:
    """Audit rows, newest first, filtered by record or by the person they are about."""
    query = sa.select(AccessAudit).order_by(AccessAudit.id.desc()).limit(limit)
    if record_type is not None:
        query = query.where(AccessAudit.record_type == record_type)
    if record_id is not None:
        query = query.where(AccessAudit.record_id == str(record_id))
    if subject_user_id is not None:
        query = query.where(AccessAudit.subject_user_id == subject_user_id)
    return list(db.session.scalars(query))
