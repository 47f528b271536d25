"""Requests: a citizen or a guest asks; the desk of the delivering cooperative or comune answers;
e-mails arrive at each step; staff reads are audited; other desks get 404."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.audit.models import AccessAudit
from condiviso.extensions import db
from condiviso.plugins import enablement
from condiviso.tenancy import tenant_context
from tests.accounts.flows import link_in, path_of, post_form
from tests.clients import csrf_token
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import ACTOR
from tests.requests.fixtures import ask, build_district, signed_in, stored_requests


def test_request_lifecycle_with_emails(mail_app, smtp, host_client):
    cooperatives = build_district(mail_app, "richieste")
    citizen, citizen_email = signed_in(mail_app, host_client, "richieste", "citizen")
    assert "Chiedi questo servizio" in citizen.get("/servizi/sad").text
    sent, _token = ask(
        citizen, "sad", message="Mia madre ha 84 anni e vive sola.", preferred_times="la mattina"
    )
    assert sent.status_code == 302
    ((request_id, status, cooperative_id),) = stored_requests(mail_app, "richieste")
    assert (status, cooperative_id) == ("inviata", cooperatives["girasole"])
    assert "R-" in smtp.last_to(citizen_email)["Subject"]
    desk_mail = smtp.last_to("sportello-girasole@richieste.example.org")
    assert "84 anni" not in desk_mail.get_body().get_content()  # no personal data by e-mail

    desk, desk_email = signed_in(
        mail_app,
        host_client,
        "richieste",
        "cooperative_staff",
        cooperative_id=cooperatives["girasole"],
    )
    inbox = desk.get("/admin/richieste")
    assert inbox.status_code == 200 and f"R-{request_id:06d}" in inbox.text
    page = desk.get(f"/admin/richieste/{request_id}")
    assert "84 anni" in page.text
    refused = post_form(
        desk,
        f"/admin/richieste/{request_id}",
        {"action": "status", "status": "rifiutata", "reason": ""},
    )
    assert refused.status_code == 400
    for status, subject in (("presa_in_carico", "presa in carico"), ("in_corso", "in corso")):
        moved = post_form(
            desk,
            f"/admin/richieste/{request_id}",
            {"action": "status", "status": status, "reason": ""},
        )
        assert moved.status_code == 302
        assert subject in smtp.last_to(citizen_email)["Subject"]
    post_form(
        desk,
        f"/admin/richieste/{request_id}",
        {"action": "message", "body": "Passiamo giovedì alle 10."},
    )
    message_mail = smtp.last_to(citizen_email)
    assert "Nuovo messaggio" in message_mail["Subject"]
    mine = citizen.get(path_of(link_in(message_mail)))
    assert "Passiamo giovedì alle 10." in mine.text and "in corso" in mine.text
    post_form(
        citizen,
        f"/le-mie-richieste/{request_id}",
        {"action": "message", "body": "Va benissimo, grazie."},
    )
    assert "Nuovo messaggio" in smtp.last_to("sportello-girasole@richieste.example.org")["Subject"]
    post_form(
        desk,
        f"/admin/richieste/{request_id}",
        {"action": "status", "status": "conclusa", "reason": ""},
    )
    assert stored_requests(mail_app, "richieste")[0][1] == "conclusa"
    assert "conclusa" in smtp.last_to(citizen_email)["Subject"]

    with mail_app.app_context(), tenant_context("richieste"):
        audit = db.session.scalars(
            sa.select(AccessAudit).where(
                AccessAudit.record_type == "requests.request",
                AccessAudit.record_id == str(request_id),
            )
        ).all()
    assert {a.action for a in audit} == {"read", "update"}
    assert all(desk_email in a.actor_label for a in audit)


def test_other_desks_get_404_and_change_nothing(mail_app, host_client):
    cooperatives = build_district(mail_app, "sportelli")
    citizen, _email = signed_in(mail_app, host_client, "sportelli", "citizen")
    ask(citizen, "sad", message="Serve aiuto a casa.")
    ((request_id, _status, _coop),) = stored_requests(mail_app, "sportelli")
    other, _ = signed_in(
        mail_app,
        host_client,
        "sportelli",
        "cooperative_staff",
        cooperative_id=cooperatives["scaduta"],
    )
    assert f"R-{request_id:06d}" not in other.get("/admin/richieste").text
    assert other.get(f"/admin/richieste/{request_id}").status_code == 404
    token = csrf_token(other.get("/admin/richieste").text)
    other.post(
        f"/admin/richieste/{request_id}",
        data={"csrf_token": token, "action": "status", "status": "rifiutata", "reason": "no"},
    )
    assert stored_requests(mail_app, "sportelli")[0][1] == "inviata"
    stranger, _ = signed_in(mail_app, host_client, "sportelli", "citizen")
    assert stranger.get(f"/le-mie-richieste/{request_id}").status_code == 404
    with mail_app.app_context(), tenant_context("sportelli"):
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(AccessAudit)
                .where(AccessAudit.record_id == str(request_id))
            )
            == 0
        )


def test_guests_ask_once_and_are_checked(mail_app, smtp, host_client):
    build_district(mail_app, "ospiti")
    guest = host_client(f"ospiti.{PLATFORM_DOMAIN}", mail_app)
    refused, _ = ask(guest, "trasporto", message="Visita il martedì")
    assert refused.status_code == 400
    assert "telefono" in refused.text.lower() and "privacy" in refused.text.lower()
    assert stored_requests(mail_app, "ospiti") == []
    data = {
        "message": "Visita in ospedale martedì",
        "guest_name": "Giulia Neri",
        "guest_phone": "+39 0331 123456",
        "guest_email": "giulia@esempio.it",
        "privacy": "y",
    }
    first, submission = ask(guest, "trasporto", **data)
    assert first.status_code == 302
    again = guest.post(
        "/servizi/trasporto/richiedi",
        data={
            **data,
            "csrf_token": csrf_token(guest.get("/servizi/trasporto/richiedi").text),
            "submission": submission,
        },
    )
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert len(stored_requests(mail_app, "ospiti")) == 1
    assert "R-" in smtp.last_to("giulia@esempio.it")["Subject"]


def test_a_form_token_names_only_its_own_senders_request(mail_app, host_client):
    """The token is the client's to send: sent again by someone else, or for another service,
    it never hands over the first request, and everything is checked before it is looked up."""
    build_district(mail_app, "gettoni")
    citizen, _email = signed_in(mail_app, host_client, "gettoni", "citizen")
    first, submission = ask(citizen, "trasporto", message="Visita martedì")
    assert first.status_code == 302
    first_id = int(first.headers["Location"].split("/")[3])

    guest = host_client(f"gettoni.{PLATFORM_DOMAIN}", mail_app)
    data = {
        "message": "Un'altra persona",
        "guest_name": "Giulia Neri",
        "guest_phone": "+39 0331 123456",
        "privacy": "y",
        "submission": submission,
    }
    page = guest.get("/servizi/trasporto/richiedi")
    other = guest.post(
        "/servizi/trasporto/richiedi", data={**data, "csrf_token": csrf_token(page.text)}
    )
    assert other.status_code == 302 and other.headers["Location"] != first.headers["Location"]
    # Invalid input with a known token: refused, not answered with the earlier request.
    page = citizen.get("/servizi/trasporto/richiedi")
    refused = citizen.post(
        "/servizi/trasporto/richiedi",
        data={"csrf_token": csrf_token(page.text), "submission": submission, "message": ""},
    )
    assert refused.status_code == 400
    # The same citizen's token for another service: a new request, not the first one.
    page = citizen.get("/servizi/sad/richiedi")
    elsewhere = citizen.post(
        "/servizi/sad/richiedi",
        data={"csrf_token": csrf_token(page.text), "submission": submission, "message": "SAD"},
    )
    assert elsewhere.status_code in (302, 400)
    assert elsewhere.headers.get("Location") != first.headers["Location"]
    rows = stored_requests(mail_app, "gettoni")
    assert len({row[0] for row in rows}) == len(rows) and first_id in {row[0] for row in rows}


def test_the_confirmation_page_needs_the_whole_key(mail_app, host_client):
    build_district(mail_app, "conferme")
    guest = host_client(f"conferme.{PLATFORM_DOMAIN}", mail_app)
    sent, _submission = ask(
        guest,
        "trasporto",
        message="Visita",
        guest_name="Giulia Neri",
        guest_phone="+39 0331 123456",
        privacy="y",
    )
    location = sent.headers["Location"]
    request_id, key = location.split("/")[3], location.split("/")[4]
    assert len(key) == 64
    assert guest.get(location).status_code == 200
    stranger = host_client(f"conferme.{PLATFORM_DOMAIN}", mail_app)
    for guess in (key[:12], key[:-1], key[:-1] + ("0" if key[-1] != "0" else "1"), "x" * 64):
        assert stranger.get(f"/richieste/inviata/{request_id}/{guess}").status_code == 404


def test_guest_requests_are_rate_limited(mail_app, host_client):
    build_district(mail_app, "limiti")
    guest = host_client(f"limiti.{PLATFORM_DOMAIN}", mail_app)
    statuses = [ask(guest, "trasporto", message="x")[0].status_code for _ in range(6)]
    assert statuses[:5] == [400] * 5 and statuses[5] == 429


def test_requests_off_on_a_tenant(mail_app, host_client):
    build_district(mail_app, "senza-richieste")
    with mail_app.app_context():
        enablement.set_plugin("senza-richieste", "requests", ACTOR, enabled=False)
    client = host_client(f"senza-richieste.{PLATFORM_DOMAIN}", mail_app)
    assert client.get("/servizi/sad/richiedi").status_code == 404
    assert "Chiedi questo servizio" not in client.get("/servizi/sad").text


def test_inbox_filters(mail_app, host_client):
    cooperatives = build_district(mail_app, "filtri")
    citizen, _email = signed_in(mail_app, host_client, "filtri", "citizen")
    ask(citizen, "sad", message="Aiuto a casa")
    ask(citizen, "babysitter", message="Serve una baby-sitter")
    desk, _ = signed_in(
        mail_app,
        host_client,
        "filtri",
        "cooperative_staff",
        cooperative_id=cooperatives["girasole"],
    )
    everything = desk.get("/admin/richieste").text
    assert "2 richieste" in everything
    assert "1 richieste" in desk.get("/admin/richieste?titolo=baby").text
    assert "0 richieste" in desk.get("/admin/richieste?titolo=%25_").text
    assert "0 richieste" in desk.get("/admin/richieste?stato=conclusa").text
    assert "2 richieste" in desk.get("/admin/richieste?stato=inviata&giorni=0").text
    assert "0 richieste" in desk.get("/admin/richieste?giorni=3").text
    assert desk.get("/admin/richieste?stato=<script>&comune=abc&pagina=-1").status_code == 200
