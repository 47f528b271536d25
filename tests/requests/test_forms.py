"""The requests' forms: each rule of asking, of the citizen's and the desk's pages and of the
inbox's filters with its message, a refusal always answered 400 with why, nothing changed."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.requests.models import Request, RequestMessage
from tests.accounts.flows import post_form
from tests.clients import csrf_token
from tests.conftest import PLATFORM_DOMAIN
from tests.requests.fixtures import ask, build_district, signed_in, stored_requests

GUEST = {
    "message": "Visita in ospedale martedì",
    "guest_name": "Giulia Neri",
    "guest_phone": "+39 0331 123456",
    "privacy": "y",
}


def _request(app, slug, request_id: int) -> Request:
    with app.app_context(), tenant_context(slug):
        request = db.session.get(Request, request_id)
        db.session.expunge(request)
        return request


def _messages(app, slug, request_id: int) -> list[str]:
    with app.app_context(), tenant_context(slug):
        return list(
            db.session.scalars(
                sa.select(RequestMessage.body).where(RequestMessage.request_id == request_id)
            )
        )


def test_a_guests_contact_is_checked_and_kept(mail_app, host_client):
    build_district(mail_app, "chiedi-ospite")

    def guest():  # each a visitor of their own: asking is rate-limited per address
        return host_client(f"chiedi-ospite.{PLATFORM_DOMAIN}", mail_app)

    for changes, message in (
        ({"guest_phone": "chiamami"}, "Numero di telefono non valido"),
        ({"guest_phone": "", "guest_email": "giulia@"}, "Indirizzo e-mail non valido."),
        ({"guest_phone": ""}, "Lascia un numero di telefono o un indirizzo e-mail."),
        ({"guest_name": " "}, "Campo obbligatorio."),
        ({"privacy": ""}, "devi dichiarare di aver letto"),
        ({"message": "x" * 2001}, "Al massimo 2000 caratteri"),
        ({"preferred_times": "la\x00mattina"}, "senza caratteri di controllo"),
    ):
        refused, _submission = ask(guest(), "trasporto", **{**GUEST, **changes})
        assert refused.status_code == 400 and message in refused.text, changes
    assert stored_requests(mail_app, "chiedi-ospite") == []

    sent, _submission = ask(
        guest(), "trasporto", **{**GUEST, "guest_phone": "", "guest_email": " Giulia@Esempio.IT "}
    )
    assert sent.status_code == 302
    ((request_id, _status, _coop),) = stored_requests(mail_app, "chiedi-ospite")
    made = _request(mail_app, "chiedi-ospite", request_id)
    assert (made.guest_name, made.guest_phone, made.guest_email) == (
        "Giulia Neri",
        None,
        "giulia@esempio.it",
    )
    assert made.consent_version is not None


def test_a_form_without_its_token_is_refused_and_gets_a_new_one(mail_app, host_client):
    build_district(mail_app, "chiedi-gettone")
    guest = host_client(f"chiedi-gettone.{PLATFORM_DOMAIN}", mail_app)
    page = guest.get("/servizi/trasporto/richiedi")
    for submission in ("", "corto", "x" * 65, "spazi non ammessi qui"):
        refused = guest.post(
            "/servizi/trasporto/richiedi",
            data={**GUEST, "csrf_token": csrf_token(page.text), "submission": submission},
        )
        assert refused.status_code == 400, submission
        assert "Il modulo non è valido: ricarica la pagina e riprova." in refused.text
    fresh = refused.text.split('name="submission" value="')[1].split('"')[0]
    assert fresh == "spazi non ammessi qui"  # sent again as it was: the page must be reloaded
    missing = guest.post(
        "/servizi/trasporto/richiedi", data={**GUEST, "csrf_token": csrf_token(page.text)}
    )
    assert missing.status_code == 400
    new = missing.text.split('name="submission" value="')[1].split('"')[0]
    assert len(new) >= 16
    assert stored_requests(mail_app, "chiedi-gettone") == []


def test_a_signed_in_persons_request_ignores_guest_fields(mail_app, host_client):
    build_district(mail_app, "chiedi-cittadino")
    citizen, _email = signed_in(mail_app, host_client, "chiedi-cittadino", "citizen")
    sent, _submission = ask(
        citizen, "sad", message="Aiuto a casa", guest_name="Altro", guest_email="x@y.it"
    )
    assert sent.status_code == 302
    ((request_id, _status, _coop),) = stored_requests(mail_app, "chiedi-cittadino")
    made = _request(mail_app, "chiedi-cittadino", request_id)
    assert (made.guest_name, made.guest_email, made.consent_version) == (None, None, None)
    assert made.requester_user_id is not None


def test_the_desks_refusals_say_why_and_change_nothing(mail_app, host_client):
    cooperatives = build_district(mail_app, "sportello-moduli")
    citizen, _email = signed_in(mail_app, host_client, "sportello-moduli", "citizen")
    ask(citizen, "sad", message="Serve aiuto a casa.")
    ((request_id, _status, _coop),) = stored_requests(mail_app, "sportello-moduli")
    desk, _ = signed_in(
        mail_app,
        host_client,
        "sportello-moduli",
        "cooperative_staff",
        cooperative_id=cooperatives["girasole"],
    )
    path = f"/admin/richieste/{request_id}"
    for data, message in (
        ({"action": "status", "status": "archiviata"}, "Stato sconosciuto."),
        ({"action": "status"}, "Stato sconosciuto."),
        ({"action": "status", "status": "rifiutata", "reason": "  "}, "Spiega al cittadino"),
        (
            {"action": "status", "status": "presa_in_carico", "reason": "x" * 301},
            "Al massimo 300 caratteri.",
        ),
        ({"action": "status", "status": "inviata"}, "non può passare a"),
        ({"action": "message", "body": " "}, "Campo obbligatorio."),
        ({"body": "x" * 2001}, "Al massimo 2000 caratteri"),
    ):
        refused = post_form(desk, path, data)
        assert refused.status_code == 400 and message in refused.text, data
    assert stored_requests(mail_app, "sportello-moduli")[0][1] == "inviata"
    assert _messages(mail_app, "sportello-moduli", request_id) == []

    note = post_form(desk, path, {"action": "message", "body": "  Passiamo giovedì.  "})
    assert note.status_code == 302
    assert _messages(mail_app, "sportello-moduli", request_id) == ["Passiamo giovedì."]
    refusal = {"action": "status", "status": "rifiutata", "reason": " Fuori zona ", "body": ""}
    assert post_form(desk, path, refusal).status_code == 302
    made = _request(mail_app, "sportello-moduli", request_id)
    assert (made.status, made.refusal_reason) == ("rifiutata", "Fuori zona")
    closed = post_form(desk, path, {"action": "message", "body": "Ancora una cosa"})
    assert closed.status_code == 400 and "La richiesta è chiusa" in closed.text


def test_the_citizen_withdraws_a_request_once(mail_app, host_client):
    build_district(mail_app, "ritiro")
    citizen, _email = signed_in(mail_app, host_client, "ritiro", "citizen")
    ask(citizen, "sad", message="Serve aiuto a casa.")
    ((request_id, _status, _coop),) = stored_requests(mail_app, "ritiro")
    path = f"/le-mie-richieste/{request_id}"
    empty = post_form(citizen, path, {"action": "message", "body": ""})
    assert empty.status_code == 400 and "Campo obbligatorio." in empty.text
    cancelled = post_form(citizen, path, {"action": "cancel"})
    assert cancelled.status_code == 302
    assert "Richiesta annullata." in citizen.get(path).text
    assert stored_requests(mail_app, "ritiro")[0][1] == "annullata"
    again = post_form(citizen, path, {"action": "cancel"})
    assert again.status_code == 400 and "non può passare a" in again.text
    late = post_form(citizen, path, {"action": "message", "body": "Ci ho ripensato"})
    assert late.status_code == 400 and "La richiesta è chiusa" in late.text
    assert _messages(mail_app, "ritiro", request_id) == []


def test_inbox_filters_that_are_not_one_are_no_filter(mail_app, host_client):
    cooperatives = build_district(mail_app, "filtri-moduli")
    citizen, _email = signed_in(mail_app, host_client, "filtri-moduli", "citizen")
    ask(citizen, "sad", message="Aiuto a casa")
    desk, _ = signed_in(
        mail_app,
        host_client,
        "filtri-moduli",
        "cooperative_staff",
        cooperative_id=cooperatives["girasole"],
    )
    ((request_id, _status, _coop),) = stored_requests(mail_app, "filtri-moduli")
    service_id = _request(mail_app, "filtri-moduli", request_id).service_id
    for query in (
        "stato=archiviata",
        "comune=-1",
        "comune=abc",
        "servizio=1234567890",
        "giorni=%C2%B2",  # a superscript two: a digit to Python, not to the inbox
        f"servizio={service_id}",
        "pagina=0",
        "pagina=99999999999",
    ):
        page = desk.get(f"/admin/richieste?{query}")
        assert page.status_code == 200 and "1 richieste" in page.text, query
    assert "0 richieste" in desk.get(f"/admin/richieste?servizio={service_id + 1000}").text
    selected = desk.get("/admin/richieste?stato=inviata&titolo=assistenza").text
    assert '<option value="inviata" selected>' in selected and 'value="assistenza"' in selected
