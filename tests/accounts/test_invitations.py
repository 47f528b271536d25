"""Staff invitations: sent by the district admin, links built from the registry, roles and
scopes granted on acceptance, expiry and revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from condiviso.accounts.models import Invitation, RoleGrant, User
from condiviso.extensions import db
from condiviso.tenancy import domains, tenant_context
from condiviso.territory.models import Comune
from plugins.cooperatives.models import Cooperative
from tests.accounts.flows import link_in, path_of, post_form, unique_email
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import ACTOR, comune, provision
from tests.people import PASSWORD, make_user


@pytest.fixture(scope="module")
def district(mail_app):
    provision(
        mail_app,
        "inv",
        "Ambito di prova (inviti)",
        plugins={"cooperatives": {}},
        comuni=[comune("012127", "Tradate"), comune("012134", "Vedano Olona")],
    )
    with mail_app.app_context():
        domains.add_domain("inv", "welfare.inviti.example", ACTOR, verified=True, primary=True)
    admin = unique_email("admin")
    make_user(mail_app, "inv", admin, "district_admin")
    with mail_app.app_context(), tenant_context("inv"):
        comuni = dict(db.session.execute(sa.select(Comune.name, Comune.id)).all())
        girasole = Cooperative(
            slug="girasole", legal_name="Il Girasole (esempio)", tax_code="01234567890"
        )
        db.session.add(girasole)
        db.session.commit()
        comuni["girasole"] = girasole.id
    return admin, comuni


def _admin_client(mail_app, host_client, admin, host=f"inv.{PLATFORM_DOMAIN}"):
    client = host_client(host, mail_app)
    assert post_form(client, "/accedi", {"email": admin, "password": PASSWORD}).status_code == 302
    return client


def _grants(mail_app, email):
    with mail_app.app_context(), tenant_context("inv"):
        user = db.session.scalar(sa.select(User).where(User.email == email))
        return (
            sorted((g.role, g.comune_id, g.cooperative_id) for g in user.grants) if user else None
        )


def test_invitation_link_comes_from_the_registry_and_grants_the_scoped_role(
    mail_app, smtp, host_client, district
):
    admin, comuni = district
    client = _admin_client(mail_app, host_client, admin)  # on the platform subdomain
    invited = unique_email("comune")
    sent = post_form(
        client,
        "/admin/personale",
        {
            "email": invited,
            "role": "comune_staff",
            "comune_ids": [str(comuni["Tradate"]), str(comuni["Vedano Olona"])],
        },
    )
    assert sent.status_code == 302
    link = link_in(smtp.last_to(invited))
    # The district's primary domain, not the host the admin happened to use.
    assert link.startswith("http://welfare.inviti.example/invito/")

    newcomer = host_client("welfare.inviti.example", mail_app)
    page = newcomer.get(path_of(link))
    assert page.status_code == 200 and "Personale del comune" in page.text
    accepted = post_form(
        newcomer,
        path_of(link),
        {
            "full_name": "Lucia Verdi",
            "password": "una frase tutta nuova",
            "password_confirm": "una frase tutta nuova",
        },
    )
    assert accepted.status_code == 302
    assert _grants(mail_app, invited) == sorted(
        [("comune_staff", comuni["Tradate"], None), ("comune_staff", comuni["Vedano Olona"], None)]
    )
    assert newcomer.get("/admin/").status_code == 200
    assert newcomer.get(path_of(link)).status_code == 400  # used once


def test_an_existing_account_gets_the_role_added(mail_app, smtp, host_client, district):
    admin, comuni = district
    citizen = unique_email("cittadino")
    make_user(mail_app, "inv", citizen, "citizen")
    client = _admin_client(mail_app, host_client, admin)
    assert "Il Girasole (esempio)" in client.get("/admin/personale").text
    post_form(
        client,
        "/admin/personale",
        {"email": citizen, "role": "cooperative_staff", "cooperative_id": str(comuni["girasole"])},
    )
    path = path_of(link_in(smtp.last_to(citizen)))
    person = host_client("welfare.inviti.example", mail_app)
    assert post_form(person, path, {}).status_code == 302
    assert _grants(mail_app, citizen) == [
        ("citizen", None, None),
        ("cooperative_staff", None, comuni["girasole"]),
    ]


def test_an_invitation_to_an_address_someone_registered_does_not_hand_them_the_staff_account(
    mail_app, smtp, host_client, district
):
    """A squatter registers the address the district will invite, with a password of theirs;
    the invitation's holder must choose the password, and the squatter's never signs in."""
    admin, comuni = district
    victim = unique_email("futura-operatrice")
    squatter = host_client(f"inv.{PLATFORM_DOMAIN}", mail_app)
    squatted = post_form(
        squatter,
        "/registrati",
        {
            "full_name": "Chi Si Spaccia",
            "email": victim,
            "comune_id": str(comuni["Tradate"]),
            "password": "la password dell'intruso",
            "password_confirm": "la password dell'intruso",
            "privacy": "y",
        },
    )
    assert squatted.status_code == 200
    with mail_app.app_context(), tenant_context("inv"):
        # Accounts registered before this rule kept the password typed at registration.
        from condiviso.accounts.passwords import hash_password

        account = db.session.scalar(sa.select(User).where(User.email == victim))
        account.password_hash = hash_password("la password dell'intruso")
        db.session.commit()
        version = account.session_version

    client = _admin_client(mail_app, host_client, admin)
    post_form(client, "/admin/personale", {"email": victim, "role": "operator"})
    path = path_of(link_in(smtp.last_to(victim)))
    holder = host_client("welfare.inviti.example", mail_app)
    page = holder.get(path)
    assert page.status_code == 200 and 'name="password"' in page.text
    assert post_form(holder, path, {}).status_code == 400  # no password: nothing accepted
    assert _grants(mail_app, victim) == [("citizen", None, None)]
    accepted = post_form(
        holder,
        path,
        {
            "full_name": "Lucia Verdi",
            "password": "la frase della vera operatrice",
            "password_confirm": "la frase della vera operatrice",
        },
    )
    assert accepted.status_code == 302
    assert holder.get("/admin/").status_code == 200

    intruder = host_client(f"inv.{PLATFORM_DOMAIN}", mail_app)
    refused = post_form(
        intruder, "/accedi", {"email": victim, "password": "la password dell'intruso"}
    )
    assert refused.status_code == 400
    with mail_app.app_context(), tenant_context("inv"):
        account = db.session.scalar(sa.select(User).where(User.email == victim))
        assert account.full_name == "Lucia Verdi"
        assert account.session_version == version + 1
        assert account.email_verified_at is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "non-valido", "role": "operator"}, "non valido"),
        ({"role": "district_admin"}, "indirizzo"),
        ({"email": "x@esempio.it", "role": "citizen"}, "ruolo"),
        ({"email": "x@esempio.it", "role": "comune_staff"}, "almeno un comune"),
        ({"email": "x@esempio.it", "role": "comune_staff", "comune_ids": ["999999"]}, "comune"),
        ({"email": "x@esempio.it", "role": "cooperative_staff"}, "cooperativa"),
        (
            {"email": "x@esempio.it", "role": "cooperative_staff", "cooperative_id": "-3"},
            "cooperativa",
        ),
        # A cooperative the district does not have.
        (
            {"email": "x@esempio.it", "role": "cooperative_staff", "cooperative_id": "99999"},
            "dall&#39;elenco",
        ),
    ],
)
def test_invalid_invitations_are_refused(mail_app, host_client, district, data, message):
    admin, _comuni = district
    client = _admin_client(mail_app, host_client, admin)
    with mail_app.app_context(), tenant_context("inv"):
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Invitation))
    response = post_form(client, "/admin/personale", data)
    assert response.status_code == 400
    assert message.lower() in response.text.lower()
    with mail_app.app_context(), tenant_context("inv"):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == before


def test_expired_and_revoked_invitations_cannot_be_used(mail_app, smtp, host_client, district):
    admin, _comuni = district
    client = _admin_client(mail_app, host_client, admin)
    late, revoked = unique_email("tardi"), unique_email("revocato")
    for email in (late, revoked):
        post_form(client, "/admin/personale", {"email": email, "role": "operator"})
    with mail_app.app_context(), tenant_context("inv"):
        expired = db.session.scalar(sa.select(Invitation).where(Invitation.email == late))
        expired.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        pending = db.session.scalar(sa.select(Invitation).where(Invitation.email == revoked))
        pending_id = pending.id
        db.session.commit()
    assert (
        post_form(
            client, f"/admin/personale/inviti/{pending_id}/revoca", {}, page="/admin/personale"
        ).status_code
        == 302
    )
    for email in (late, revoked):
        path = path_of(link_in(smtp.last_to(email)))
        assert host_client("welfare.inviti.example", mail_app).get(path).status_code == 400
        assert _grants(mail_app, email) is None


def test_revoking_a_role_takes_effect_at_once(mail_app, host_client, district):
    admin, _comuni = district
    operator = unique_email("operatore")
    user_id = make_user(mail_app, "inv", operator, "operator")
    staff_client = host_client(f"inv.{PLATFORM_DOMAIN}", mail_app)
    post_form(staff_client, "/accedi", {"email": operator, "password": PASSWORD})
    assert staff_client.get("/admin/").status_code == 200
    with mail_app.app_context(), tenant_context("inv"):
        grant_id = db.session.scalar(sa.select(RoleGrant.id).where(RoleGrant.user_id == user_id))
    client = _admin_client(mail_app, host_client, admin)
    assert (
        post_form(
            client, f"/admin/personale/ruoli/{grant_id}/revoca", {}, page="/admin/personale"
        ).status_code
        == 302
    )
    assert staff_client.get("/admin/").status_code in (302, 403)


def test_the_last_district_admin_cannot_be_removed(mail_app, host_client, new_tenant):
    provision(mail_app, "inv-solo", "Ambito di prova (un solo admin)")
    admin = unique_email("unico")
    admin_id = make_user(mail_app, "inv-solo", admin, "district_admin")
    client = host_client(f"inv-solo.{PLATFORM_DOMAIN}", mail_app)
    post_form(client, "/accedi", {"email": admin, "password": PASSWORD})
    with mail_app.app_context(), tenant_context("inv-solo"):
        grant_id = db.session.scalar(sa.select(RoleGrant.id).where(RoleGrant.user_id == admin_id))
    refused = post_form(
        client, f"/admin/personale/ruoli/{grant_id}/revoca", {}, page="/admin/personale"
    )
    assert refused.status_code == 302
    assert "almeno un&#39;amministrazione" in client.get("/admin/personale").text
    assert client.get("/admin/personale").status_code == 200
