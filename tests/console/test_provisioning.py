"""Provisioning a district from the console: the district, its database, and its first
administrator invited by e-mail with a link on the district's own host."""

from __future__ import annotations

import email
import re
import uuid
from email import policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from condiviso.accounts.lookup import find_user
from condiviso.accounts.roles import Role
from condiviso.extensions import db
from condiviso.tenancy import domains, registry, tenant_context
from condiviso.tenancy.models import RegistryAudit, Tenant, TenantStatus
from tests.clients import csrf_token
from tests.conftest import PLATFORM_DOMAIN
from tests.console.conftest import audit_rows
from tests.districts import ACTOR

LINK = re.compile(r"https?://\S+/invito/\S+")


def _slug() -> str:
    return f"c{uuid.uuid4().hex[:10]}"


def _outbox(app, slug: str) -> list[email.message.EmailMessage]:
    folder = Path(app.config["MAIL_OUTBOX"]) / slug
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def _invitation_link(message: email.message.EmailMessage) -> str:
    (link,) = LINK.findall(message.get_content())
    return link


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(Tenant)),
            db.session.scalar(sa.select(sa.func.count()).select_from(RegistryAudit)),
        )


def _provision(console, slug: str, changes: dict[str, str] | None = None):
    data = {
        "slug": slug,
        "display_name": f"Ambito {slug}",
        "plan": "standard",
        "admin_email": f"ufficio-{slug}@esempio.it",
        **(changes or {}),
    }
    token = csrf_token(console.get("/console/distretti/nuovo").text)
    return console.post("/console/distretti/nuovo", data={**data, "csrf_token": token})


def test_provisioning_creates_the_district_and_invites_its_first_admin(
    app, console, actor, host_client
):
    slug = _slug()
    admin = f"ufficio-{slug}@esempio.it"
    response = _provision(console, slug)
    assert response.status_code == 200, response.text
    assert admin in response.text and f"{slug}.{PLATFORM_DOMAIN}" in response.text

    with app.app_context():
        tenant = registry.get_tenant(slug)
        assert (tenant.status, tenant.plan) == (TenantStatus.ACTIVE, "standard")
    actions = [(who, action) for who, action, _details in audit_rows(app, slug)]
    assert actions == [
        (actor, "tenant.registered"),
        (actor, "tenant.activated"),
        (actor, "tenant.admin_invited"),
    ]

    (message,) = _outbox(app, slug)
    assert message["To"] == admin
    link = _invitation_link(message)
    assert urlsplit(link).netloc == f"{slug}.{PLATFORM_DOMAIN}"
    assert "Olga Operatrice" in message.get_content()

    district = host_client(f"{slug}.{PLATFORM_DOMAIN}")
    path = urlsplit(link).path
    page = district.get(path)
    assert page.status_code == 200
    accepted = district.post(
        path,
        data={
            "full_name": "Anna Bianchi",
            "password": "una frase lunga e sicura",
            "password_confirm": "una frase lunga e sicura",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert accepted.status_code == 302, accepted.text
    with app.app_context(), tenant_context(slug):
        user = find_user(admin)
        assert user is not None and Role.DISTRICT_ADMIN in user.roles
    assert district.get("/admin/personale").status_code == 200


def test_a_later_invitation_links_to_the_districts_primary_domain(app, console, new_tenant):
    tenant = new_tenant()
    host = f"welfare.{tenant.slug}.esempio.it"
    with app.app_context():
        domains.add_domain(tenant.slug, host, ACTOR, verified=True, primary=True)
    response = console.submit(
        f"/console/distretti/{tenant.slug}/amministrazione",
        {"admin_email": "seconda@esempio.it"},
    )
    assert response.status_code == 302
    (message,) = _outbox(app, tenant.slug)
    assert urlsplit(_invitation_link(message)).netloc == host
    actions = [action for _who, action, _d in audit_rows(app, tenant.slug)]
    assert actions[-1] == "tenant.admin_invited"


@pytest.mark.parametrize(
    ("fields", "field_id"),
    [
        ({"slug": "Nome Sbagliato"}, "slug"),
        ({"slug": "www"}, "slug"),
        ({"slug": ""}, "slug"),
        ({"display_name": "   "}, "display_name"),
        ({"plan": "oro"}, "plan"),
        ({"admin_email": "non-un-indirizzo"}, "admin_email"),
        ({"admin_email": ""}, "admin_email"),
    ],
)
def test_invalid_input_is_shown_on_its_field_and_changes_nothing(app, console, fields, field_id):
    slug = _slug()
    before = _counts(app)
    response = _provision(console, slug, fields)
    assert response.status_code == 400
    assert f'id="{field_id}-error"' in response.text
    assert f'aria-describedby="{field_id}-hint {field_id}-error"' in response.text or (
        f'aria-describedby="{field_id}-error"' in response.text
    )
    assert _counts(app) == before
    assert not (Path(app.config["MAIL_OUTBOX"]) / slug).exists()


def test_a_slug_already_taken_is_refused(app, console, alpha):
    before = _counts(app)
    response = _provision(console, "alpha", {"display_name": "Un altro Alpha"})
    assert response.status_code == 400
    assert 'id="slug-error"' in response.text and "già usato" in response.text
    assert _counts(app) == before
    with app.app_context():
        assert registry.get_tenant("alpha").display_name == "Ambito di Alpha (test)"
