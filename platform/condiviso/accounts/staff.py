"""Staff of a district: invitations by e-mail (role and scope, links that expire), the list of
staff, revoking roles and invitations."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from condiviso.accounts.links import InvalidLink
from condiviso.accounts.lookup import find_user, normalize_email
from condiviso.accounts.models import Invitation, RoleGrant, User
from condiviso.accounts.passwords import hash_password
from condiviso.accounts.roles import ROLES_WITH_COMUNI, ROLES_WITH_COOPERATIVE, STAFF_ROLES, Role
from condiviso.accounts.validation import check_new_password
from condiviso.clock import utcnow
from condiviso.errors import Conflict, InvalidInput, NotFound
from condiviso.extensions import db
from condiviso.mail.delivery import send_mail
from condiviso.tenancy import current_tenant
from condiviso.territory.models import Comune
from condiviso.urls import tenant_url


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_scope(role: str, comune_ids: list[int] | None, cooperative_id: Any) -> dict[str, Any]:
    """The scope a role needs: comuni for comune staff, a cooperative for cooperative staff."""
    if role not in {r.value for r in STAFF_ROLES}:
        raise InvalidInput({"role": [_("Scegli un ruolo del personale.")]})
    if Role(role) in ROLES_WITH_COMUNI:
        ids = sorted({i for i in (comune_ids or []) if isinstance(i, int)})
        found = (
            set(db.session.scalars(sa.select(Comune.id).where(Comune.id.in_(ids))))
            if ids
            else set()
        )
        if not ids or found != set(ids):
            raise InvalidInput({"comune_ids": [_("Scegli almeno un comune del distretto.")]})
        return {"comuni": ids}
    if Role(role) in ROLES_WITH_COOPERATIVE:
        known = staff_cooperatives()
        if not known:
            raise InvalidInput(
                {
                    "cooperative_id": [
                        _(
                            "Il distretto non ha ancora cooperative: aggiungile prima di "
                            "invitarne il personale."
                        )
                    ]
                }
            )
        if cooperative_id not in known:
            raise InvalidInput({"cooperative_id": [_("Scegli la cooperativa dall'elenco.")]})
        return {"cooperative": cooperative_id}
    return {}


def staff_cooperatives() -> dict[int, str]:
    """The cooperatives (id → name) the district's plugins offer for cooperative staff."""
    from condiviso.plugins import tenant_hook

    tenant = current_tenant()
    found: dict[int, str] = {}
    for answer in tenant_hook("condiviso_staff_cooperatives", tenant)(tenant=tenant):
        found.update((int(number), str(name)) for number, name in answer or ())
    return found


def invite(
    email: str, role: str, scope: dict[str, Any], inviter_label: str, inviter: User | None = None
) -> Invitation:
    """Invite a person to the district's staff; the link goes to the district's primary host."""
    email = normalize_email(email)
    scope = clean_scope(role, scope.get("comuni"), scope.get("cooperative"))
    for earlier in pending_invitations(email=email, role=role):
        earlier.revoked_at = utcnow()
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        role=role,
        scope=scope,
        token_hash=_digest(token),
        invited_by_id=inviter.id if inviter else None,
        invited_by_label=inviter_label,
        expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    db.session.commit()
    send_mail(
        current_tenant(),
        email,
        "invitation",
        "it",
        invitation=invitation,
        role=Role(role),
        url=tenant_url(current_tenant(), f"/invito/{token}"),
    )
    return invitation


def pending_invitations(email: str | None = None, role: str | None = None) -> list[Invitation]:
    query = (
        sa.select(Invitation)
        .where(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc())
    )
    if email is not None:
        query = query.where(Invitation.email == email)
    if role is not None:
        query = query.where(Invitation.role == role)
    return list(db.session.scalars(query))


def invitation_for(token: str) -> Invitation:
    """The invitation a link carries, if it can still be accepted."""
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == _digest(token))
    )
    if (
        invitation is None
        or invitation.accepted_at
        or invitation.revoked_at
        or invitation.expires_at <= utcnow()
    ):
        raise InvalidLink()
    return invitation


def _grants(invitation: Invitation, user: User) -> list[RoleGrant]:
    scope = invitation.scope or {}
    if scope.get("comuni"):
        return [
            RoleGrant(role=invitation.role, comune_id=i, granted_by_id=invitation.invited_by_id)
            for i in scope["comuni"]
        ]
    return [
        RoleGrant(
            role=invitation.role,
            cooperative_id=scope.get("cooperative"),
            granted_by_id=invitation.invited_by_id,
        )
    ]


def accept_invitation(token: str, full_name: str | None, password: str | None) -> User:
    """Turn an invitation into roles, on the account with that e-mail once its owner is known.

    An address nobody owns yet (no account, or one whose address was never confirmed: anyone
    may have registered it) becomes the link holder's, with the name and password they choose
    now; whatever password was there goes and every other session of it ends."""
    invitation = invitation_for(token)
    user = find_user(invitation.email)
    if user is None or not user.is_active:
        if not full_name or not password:
            raise InvalidInput({"password": [_("Scegli una password.")]})
        check_new_password(password, invitation.email, full_name)
        if user is None:
            user = User(email=invitation.email)
            db.session.add(user)
        else:
            # Details typed by whoever registered the address are not the link holder's.
            user.codice_fiscale = None
            user.session_version += 1
        user.full_name = full_name.strip()
        user.password_hash = hash_password(password)
        user.email_verified_at = utcnow()
    held = {(g.role, g.comune_id, g.cooperative_id) for g in user.grants}
    for grant in _grants(invitation, user):
        if (grant.role, grant.comune_id, grant.cooperative_id) not in held:
            user.grants.append(grant)
    invitation.accepted_at = utcnow()
    db.session.commit()
    return user


def owned_account(email: str) -> User | None:
    """The account of an invited address, if someone already owns it (confirmed or
    activated): the invitation then only adds a role to it."""
    user = find_user(email)
    return user if user is not None and user.is_active else None


def staff_members() -> list[User]:
    staff = [r.value for r in STAFF_ROLES]
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.deleted_at.is_(None),
                User.id.in_(sa.select(RoleGrant.user_id).where(RoleGrant.role.in_(staff))),
            )
            .order_by(User.full_name)
        )
    )


def revoke_grant(grant_id: int) -> RoleGrant:
    """Take a staff role away; the last district admin cannot be removed."""
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.role not in {r.value for r in STAFF_ROLES}:
        raise NotFound(_("Questo ruolo non esiste più."))
    if grant.role == Role.DISTRICT_ADMIN:
        admins = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RoleGrant)
            .where(RoleGrant.role == Role.DISTRICT_ADMIN.value)
        )
        if admins <= 1:
            raise Conflict(
                _(
                    "Il distretto deve avere almeno un'amministrazione: invita "
                    "un'altra persona prima di togliere questo ruolo."
                )
            )
    user = grant.user
    user.grants.remove(grant)
    user.session_version += 1
    db.session.commit()
    return grant


def revoke_invitation(invitation_id: int) -> None:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        raise NotFound(_("Questo invito non è più in attesa."))
    invitation.revoked_at = utcnow()
    db.session.commit()
