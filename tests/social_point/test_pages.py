"""The Social Point pages: the district admin sets desks up; citizens, guests and operators book;
people see, move and cancel their appointments; the operator runs the day; e-mails carry the
appointment as an iCalendar file; the reminder the day before goes once."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from condiviso.errors import InvalidInput
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.social_point import notices, services
from plugins.social_point.models import Booking, Closure, SocialPoint
from tests.accounts.flows import post_form, unique_email
from tests.clients import csrf_token
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import provision
from tests.people import PASSWORD, make_user
from tests.social_point.fixtures import desk_open_every_day

SLUG = "sportelli-pagine"
HOST = f"{SLUG}.{PLATFORM_DOMAIN}"


@pytest.fixture(scope="module")
def district(mail_app):
    """A desk open every day 9:00-12:00 (30-minute appointments, 24 hours' notice) with one
    operator on duty every day; an admin, the operator and a citizen."""
    provision(
        mail_app,
        SLUG,
        "Ambito degli sportelli (pagine)",
        plugins={"social_point": {}},
        comuni=[{"istat_code": "012127", "name": "Tradate"}],
    )
    people = {role: unique_email(role.replace("_", "-")) for role in ("district_admin", "operator")}
    ids = {role: make_user(mail_app, SLUG, email, role) for role, email in people.items()}
    point_id = desk_open_every_day(mail_app, SLUG, ids["operator"])
    return {"point": point_id, "people": people, "ids": ids}


def _signed_in(app, host_client, email):
    client = host_client(HOST, app)
    assert post_form(client, "/accedi", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def _citizen(app, host_client):
    email = unique_email("cittadina")
    user_id = make_user(app, SLUG, email, "citizen", full_name="Giuseppina Verdi")
    return _signed_in(app, host_client, email), email, user_id


def _day(offset: int) -> date:
    return services_today() + timedelta(days=offset)


def services_today() -> date:
    """Today in the districts' time zone (the tests run with the default, Europe/Rome)."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Rome")).date()


def _slot(offset: int, hour: int, minute: int = 0) -> str:
    return f"{_day(offset).isoformat()}T{hour:02d}:{minute:02d}"


def _bookings(app, **where):
    with app.app_context(), tenant_context(SLUG):
        query = sa.select(Booking).filter_by(**where).order_by(Booking.id)
        return [
            (b.id, b.day, b.start, b.status, b.citizen_user_id, b.guest_name, b.booked_by_user_id)
            for b in db.session.scalars(query).unique()
        ]


def _book(client, point_id, slot, **data):
    page = client.get(f"/social-point/{point_id}/prenota?orario={slot}")
    assert page.status_code == 200
    return client.post(
        f"/social-point/{point_id}/prenota",
        data={"csrf_token": csrf_token(page.text), "orario": slot, "mode": "in_person", **data},
    )


def _calendar_of(message) -> Calendar:
    (attachment,) = [
        p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    return Calendar.from_ical(attachment.get_content())


# -- the district admin ----------------------------------------------------------------------------


def test_admin_sets_up_a_desk_with_hours_duties_and_closures(mail_app, host_client, district):
    admin = _signed_in(mail_app, host_client, district["people"]["district_admin"])
    operator_id = district["ids"]["operator"]
    form = {
        "name": "Social Point di Vedano (esempio)",
        "comune_id": "1",
        "address": "Via Roma 1",
        "phone": "0332 111111",
        "slot_minutes": "45",
        "notice_hours": "48",
        "modes": ["in_person", "video"],
        "active": "y",
        "h1_0_opens": "09:00",
        "h1_0_closes": "12:00",
        "h1_1_opens": "14:00",
        "h1_1_closes": "16:00",
        "duty": [f"{operator_id}:1"],
    }
    created = post_form(admin, "/admin/social-point/nuovo", form)
    assert created.status_code == 302
    with mail_app.app_context(), tenant_context(SLUG):
        point = db.session.scalar(sa.select(SocialPoint).filter_by(name=form["name"]))
        assert (point.slot_minutes, point.notice_hours, point.modes) == (
            45,
            48,
            ["in_person", "video"],
        )
        assert [(h.weekday, h.opens, h.closes) for h in point.hours] == [
            (1, time(9), time(12)),
            (1, time(14), time(16)),
        ]
        assert [(d.user_id, d.weekday) for d in point.duties] == [(operator_id, 1)]
        point_id = point.id
    page = admin.get(f"/admin/social-point/{point_id}")
    assert 'value="14:00"' in page.text and "checked" in page.text

    # Overlapping openings, a closing before the opening and a bad e-mail: all shown on their
    # fields, nothing saved.
    broken = {
        **form,
        "h1_1_opens": "11:00",
        "h2_0_opens": "12:00",
        "h2_0_closes": "10:00",
        "email": "non-una-mail",
    }
    refused = post_form(admin, f"/admin/social-point/{point_id}", broken)
    assert refused.status_code == 400
    assert 'id="h1_0_opens-error"' in refused.text  # the overlap, on Tuesday's first opening
    assert 'id="h2_0_closes-error"' in refused.text
    assert 'id="email-error"' in refused.text
    with mail_app.app_context(), tenant_context(SLUG):
        assert len(db.session.get(SocialPoint, point_id).hours) == 2

    # A duty for someone who is not an operator is refused.
    refused = post_form(admin, f"/admin/social-point/{point_id}", {**form, "duty": ["1:9"]})
    assert refused.status_code == 400 and 'id="duties-error"' in refused.text

    closing_day = _day(20).isoformat()
    added = post_form(
        admin,
        f"/admin/social-point/{point_id}/chiusure",
        {"day": closing_day, "reason": "Festa patronale"},
        page=f"/admin/social-point/{point_id}",
    )
    assert added.status_code == 302
    twice = post_form(
        admin,
        f"/admin/social-point/{point_id}/chiusure",
        {"day": closing_day, "reason": "Di nuovo"},
        page=f"/admin/social-point/{point_id}",
    )
    assert twice.status_code == 400 and "già chiuso" in twice.text
    bad_day = post_form(
        admin,
        f"/admin/social-point/{point_id}/chiusure",
        {"day": "31/02", "reason": "x"},
        page=f"/admin/social-point/{point_id}",
    )
    assert bad_day.status_code == 400
    with mail_app.app_context(), tenant_context(SLUG):
        (closure,) = db.session.scalars(sa.select(Closure).filter_by(point_id=point_id))
        closure_id = closure.id
    removed = post_form(
        admin,
        f"/admin/social-point/{point_id}/chiusure/{closure_id}/elimina",
        {},
        page=f"/admin/social-point/{point_id}",
    )
    assert removed.status_code == 302
    with mail_app.app_context(), tenant_context(SLUG):
        assert db.session.scalars(sa.select(Closure).filter_by(point_id=point_id)).all() == []


# -- citizens and guests -----------------------------------------------------------------------


def test_a_citizen_books_gets_the_calendar_file_moves_and_cancels(
    mail_app, smtp, host_client, district
):
    client, email, user_id = _citizen(mail_app, host_client)
    point_id = district["point"]
    desk = client.get(f"/social-point/{point_id}?dal={_day(7).isoformat()}")
    slot = _slot(7, 9, 30)
    assert f"orario={slot}" in desk.text

    booked = _book(client, point_id, slot, topic="Aiuto per la spesa di mia madre")
    assert booked.status_code == 302
    ((booking_id, day, start, status, _who, _guest, booked_by),) = _bookings(
        mail_app, citizen_user_id=user_id
    )
    assert (day, start, status, booked_by) == (_day(7), time(9, 30), "booked", user_id)
    # The slot is gone from the desk's page.
    assert f"orario={slot}" not in client.get(f"/social-point/{point_id}?dal={_day(7)}").text

    mail = smtp.last_to(email)
    assert "Appuntamento confermato" in mail["Subject"]
    event = _calendar_of(mail).walk("VEVENT")[0]
    assert event.decoded("dtstart").replace(tzinfo=None) == datetime.combine(_day(7), time(9, 30))
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=30)
    assert "Piazza Mazzini 6" in str(event["location"])
    assert str(event["uid"]).startswith(f"social-point-{booking_id}@")

    mine = client.get("/i-miei-appuntamenti")
    assert f"/i-miei-appuntamenti/{booking_id}" in mine.text
    ics = client.get(f"/i-miei-appuntamenti/{booking_id}/calendario.ics")
    assert ics.mimetype == "text/calendar" and b"BEGIN:VEVENT" in ics.data

    # Move: pick a new time from the desk's week, then confirm.
    picker = client.get(f"/i-miei-appuntamenti/{booking_id}/sposta?dal={_day(8)}")
    new_slot = _slot(8, 11)
    assert f"orario={new_slot}" in picker.text
    confirm = client.get(f"/i-miei-appuntamenti/{booking_id}/sposta?orario={new_slot}")
    moved = client.post(
        f"/i-miei-appuntamenti/{booking_id}/sposta",
        data={"csrf_token": csrf_token(confirm.text), "orario": new_slot},
    )
    assert moved.status_code == 302
    rows = _bookings(mail_app, citizen_user_id=user_id)
    assert [(r[1], r[2], r[3]) for r in rows] == [
        (_day(7), time(9, 30), "cancelled"),
        (_day(8), time(11), "booked"),
    ]
    moved_mail = smtp.last_to(email)
    assert "spostato" in moved_mail["Subject"]
    methods = sorted(
        str(Calendar.from_ical(p.get_content())["method"]) for p in moved_mail.iter_attachments()
    )
    assert methods == ["CANCEL", "PUBLISH"]

    new_id = rows[1][0]
    page = client.get(f"/i-miei-appuntamenti/{new_id}")
    cancelled = client.post(
        f"/i-miei-appuntamenti/{new_id}", data={"csrf_token": csrf_token(page.text)}
    )
    assert cancelled.status_code == 302
    assert _bookings(mail_app, id=new_id)[0][3] == "cancelled"
    assert "disdetto" in smtp.last_to(email)["Subject"]


def test_someone_else_s_appointment_is_not_found(mail_app, host_client, district):
    owner, _email, owner_id = _citizen(mail_app, host_client)
    assert _book(owner, district["point"], _slot(9, 10)).status_code == 302
    ((booking_id, *_rest),) = _bookings(mail_app, citizen_user_id=owner_id)
    stranger, _other, _id = _citizen(mail_app, host_client)
    for path in ("", "/sposta", "/calendario.ics"):
        assert stranger.get(f"/i-miei-appuntamenti/{booking_id}{path}").status_code == 404
    page = stranger.get("/i-miei-appuntamenti")
    refused = stranger.post(
        f"/i-miei-appuntamenti/{booking_id}", data={"csrf_token": csrf_token(page.text)}
    )
    assert refused.status_code == 404
    assert _bookings(mail_app, id=booking_id)[0][3] == "booked"


def test_a_guest_books_with_a_phone_and_keeps_a_private_link(mail_app, host_client, district):
    guest = host_client(HOST, mail_app)
    point_id = district["point"]
    slot = _slot(10, 9)
    data = {"guest_name": "Mario Bianchi", "guest_phone": "333 1234567"}
    no_privacy = _book(guest, point_id, slot, **data)
    assert no_privacy.status_code == 400 and 'id="privacy-error"' in no_privacy.text
    no_phone = _book(guest, point_id, slot, guest_name="Mario Bianchi", privacy="y")
    assert no_phone.status_code == 400 and 'id="guest_phone-error"' in no_phone.text
    assert _bookings(mail_app, guest_name="Mario Bianchi") == []

    booked = _book(guest, point_id, slot, privacy="y", **data)
    assert booked.status_code == 302
    link = booked.headers["Location"]
    match = re.fullmatch(r"/appuntamenti/(\d+)/([\w-]+)\?nuovo=1", link)
    assert match, link
    booking_id, token = match.groups()
    page = guest.get(link)
    assert "Appuntamento prenotato" in page.text and "Mario" not in page.text.split("<main")[0]
    forged = ("y" if token[0] == "x" else "x") + token[1:]  # one character changed
    stranger = host_client(HOST, mail_app)
    assert stranger.get(f"/appuntamenti/{booking_id}/{forged}").status_code == 404
    with mail_app.app_context(), tenant_context(SLUG):
        stored = db.session.get(Booking, int(booking_id))
        assert stored.guest_token_digest != token and len(stored.guest_token_digest) == 64

    # The guest moves it through the same private link, which follows the appointment.
    new_slot = _slot(10, 10)
    confirm = guest.get(f"/appuntamenti/{booking_id}/{token}/sposta?orario={new_slot}")
    moved = guest.post(
        f"/appuntamenti/{booking_id}/{token}/sposta",
        data={"csrf_token": csrf_token(confirm.text), "orario": new_slot},
    )
    assert moved.status_code == 302
    new_id = re.fullmatch(rf"/appuntamenti/(\d+)/{token}", moved.headers["Location"]).group(1)
    assert guest.get(f"/appuntamenti/{booking_id}/{token}").status_code == 404
    page = guest.get(f"/appuntamenti/{new_id}/{token}")
    assert page.status_code == 200
    guest.post(f"/appuntamenti/{new_id}/{token}", data={"csrf_token": csrf_token(page.text)})
    assert [r[3] for r in _bookings(mail_app, guest_name="Mario Bianchi")] == [
        "cancelled",
        "cancelled",
    ]


@pytest.mark.parametrize(
    "slot, message",
    [
        ("2020-01-06T09:00", "già passato"),
        ("{day}T08:00", "Il Social Point non riceve a quest"),
        ("{day}T09:10", "Il Social Point non riceve a quest"),
        ("{far}T09:00", "tre mesi"),
    ],
)
def test_bad_slots_are_refused_with_a_reason(mail_app, host_client, district, slot, message):
    client, _email, user_id = _citizen(mail_app, host_client)
    slot = slot.format(day=_day(11).isoformat(), far=_day(200).isoformat())
    refused = _book(client, district["point"], slot)
    assert refused.status_code == 400 and message in refused.text
    assert _bookings(mail_app, citizen_user_id=user_id) == []


@pytest.mark.parametrize("slot", ["", "domani", "2026-13-45T09:00", "9" * 400, "2026-12-01T25:00"])
def test_nonsense_slots_lead_back_to_the_list(mail_app, host_client, district, slot):
    client, _email, user_id = _citizen(mail_app, host_client)
    page = client.get(f"/social-point/{district['point']}/prenota?orario={slot}")
    assert page.status_code == 302
    posted = client.post(
        f"/social-point/{district['point']}/prenota",
        data={"csrf_token": csrf_token(client.get("/i-miei-appuntamenti").text), "orario": slot},
    )
    assert posted.status_code == 302
    assert _bookings(mail_app, citizen_user_id=user_id) == []


def test_a_taken_slot_is_told_and_nothing_saved(mail_app, host_client, district):
    first, _email, _first_id = _citizen(mail_app, host_client)
    slot = _slot(12, 9)
    assert _book(first, district["point"], slot).status_code == 302
    second, _other, second_id = _citizen(mail_app, host_client)
    refused = _book(second, district["point"], slot)
    assert refused.status_code == 400 and "appena stato prenotato" in refused.text
    assert _bookings(mail_app, citizen_user_id=second_id) == []


def test_unknown_and_inactive_desks_are_not_found(mail_app, host_client, district):
    client = host_client(HOST, mail_app)
    for path in ("/social-point/999999", "/social-point/99999999999999999999", "/social-point/0"):
        assert client.get(path).status_code == 404


def test_an_expired_booking_form_books_nothing(mail_app, host_client, district):
    client, _email, user_id = _citizen(mail_app, host_client)
    slot = _slot(18, 9)
    expired = client.post(
        f"/social-point/{district['point']}/prenota",
        data={"csrf_token": "scaduto", "orario": slot, "mode": "in_person"},
    )
    assert expired.status_code == 400 and "Il modulo è scaduto" in expired.text
    assert _bookings(mail_app, citizen_user_id=user_id) == []


def test_the_booking_form_shows_each_problem_on_its_field(mail_app, host_client, district):
    """A guest who gave no name, an unknown way to talk and too long a topic, without the
    privacy notice: every problem is told next to its field, what was typed is kept, and
    nothing is booked."""
    guest = host_client(HOST, mail_app)
    refused = _book(
        guest,
        district["point"],
        _slot(18, 10),
        mode="telepatia",
        topic="x" * 501,
        guest_phone="333 7654321",
    )
    assert refused.status_code == 400
    for field in ("mode", "topic", "guest_name", "privacy"):
        assert f'id="{field}-error"' in refused.text, field
    assert 'id="guest_phone-error"' not in refused.text
    assert 'value="333 7654321"' in refused.text
    assert _bookings(mail_app, guest_phone="333 7654321") == []


def test_a_refused_closure_keeps_the_desk_s_form_as_it_is(mail_app, host_client, district):
    admin = _signed_in(mail_app, host_client, district["people"]["district_admin"])
    page = f"/admin/social-point/{district['point']}"
    refused = post_form(admin, f"{page}/chiusure", {"day": _day(30).isoformat()}, page=page)
    assert refused.status_code == 400 and 'id="reason-error"' in refused.text
    assert f'value="{_day(30).isoformat()}"' in refused.text  # the day typed stays
    assert 'id="h0_0_opens" name="h0_0_opens" value="09:00"' in refused.text
    assert "Social Point di Tradate (esempio)" in refused.text
    with mail_app.app_context(), tenant_context(SLUG):
        assert db.session.scalars(sa.select(Closure).filter_by(day=_day(30))).all() == []


def test_desk_numbers_that_are_not_numbers_are_refused_and_shown_again(
    mail_app, host_client, district
):
    admin = _signed_in(mail_app, host_client, district["people"]["district_admin"])
    page = f"/admin/social-point/{district['point']}"
    form = {
        "name": "Social Point di Tradate (esempio)",
        "comune_id": "uno",
        "address": "Piazza Mazzini 6",
        "slot_minutes": "²",
        "notice_hours": "ventiquattro",
        "modes": ["in_person"],
        "h0_0_opens": "09:00",
        "h0_0_closes": "12:00",
    }
    refused = post_form(admin, page, form)
    assert refused.status_code == 400
    for field in ("comune_id", "slot_minutes", "notice_hours"):
        assert f'id="{field}-error"' in refused.text, field
    assert 'value="ventiquattro"' in refused.text
    with mail_app.app_context(), tenant_context(SLUG):
        assert db.session.get(SocialPoint, district["point"]).notice_hours == 24


# -- operators -------------------------------------------------------------------------------------


def test_an_operator_books_for_a_registered_citizen(mail_app, smtp, host_client, district):
    operator = _signed_in(mail_app, host_client, district["people"]["operator"])
    email = unique_email("anziano")
    citizen_id = make_user(mail_app, SLUG, email, "citizen", full_name="Aldo Neri")
    unknown = _book(operator, district["point"], _slot(13, 9), citizen_contact="nessuno@x.it")
    assert unknown.status_code == 400 and 'id="citizen_contact-error"' in unknown.text
    booked = _book(operator, district["point"], _slot(13, 9), citizen_contact=email.upper())
    assert booked.status_code == 302 and booked.headers["Location"].startswith(
        "/operatore/giornata"
    )
    ((_id, _when, _start, status, _who, _guest, booked_by),) = _bookings(
        mail_app, citizen_user_id=citizen_id
    )
    assert (status, booked_by) == ("booked", district["ids"]["operator"])
    assert "Appuntamento confermato" in smtp.last_to(email)["Subject"]


def test_the_operator_s_day_walk_ins_and_no_shows(mail_app, host_client, district):
    operator = _signed_in(mail_app, host_client, district["people"]["operator"])
    point_id = district["point"]
    today = services_today()
    with mail_app.app_context(), tenant_context(SLUG):
        citizen_id = make_user(
            mail_app, SLUG, unique_email("oggi"), "citizen", full_name="Rita Blu"
        )
        point = db.session.get(SocialPoint, point_id)
        early = datetime.combine(today, time(0, 0))
        booking = services.book(
            point, f"{today}T11:30", "phone", services.Who(citizen_id), now=early
        )
        booking_id = booking.id
    page = operator.get(f"/operatore/giornata?sportello={point_id}")
    assert page.status_code == 200
    assert "Rita Blu" in page.text and "11:30" in page.text

    walk_in = operator.post(
        f"/operatore/giornata/accesso?sportello={point_id}",
        data={"csrf_token": csrf_token(page.text), "name": "Lucia Gialli", "topic": "Bollette"},
    )
    assert walk_in.status_code == 302
    ((_wid, day, _start, status, _c, _guest, _b),) = _bookings(mail_app, guest_name="Lucia Gialli")
    assert (day, status) == (today, "attended")
    nameless = operator.post(
        f"/operatore/giornata/accesso?sportello={point_id}",
        data={"csrf_token": csrf_token(page.text), "name": "", "phone": "abc"},
    )
    assert nameless.status_code == 400 and 'id="name-error"' in nameless.text
    assert 'id="phone-error"' in nameless.text

    marked = operator.post(
        f"/operatore/appuntamenti/{booking_id}",
        data={"csrf_token": csrf_token(page.text), "azione": "no_show"},
    )
    assert marked.status_code == 302
    assert _bookings(mail_app, id=booking_id)[0][3] == "no_show"
    unknown_action = operator.post(
        f"/operatore/appuntamenti/{booking_id}",
        data={"csrf_token": csrf_token(page.text), "azione": "delete"},
    )
    assert unknown_action.status_code == 302
    assert _bookings(mail_app, id=booking_id)[0][3] == "no_show"
    assert (
        operator.post(
            "/operatore/appuntamenti/99999999", data={"csrf_token": csrf_token(page.text)}
        ).status_code
        == 404
    )


def test_an_expired_walk_in_form_records_nothing(mail_app, host_client, district):
    operator = _signed_in(mail_app, host_client, district["people"]["operator"])
    expired = operator.post(
        f"/operatore/giornata/accesso?sportello={district['point']}",
        data={"csrf_token": "scaduto", "name": "Guido Scaduti"},
    )
    assert expired.status_code == 400 and "Il modulo è scaduto" in expired.text
    assert _bookings(mail_app, guest_name="Guido Scaduti") == []


def test_a_desk_asked_for_in_digits_that_are_not_a_number_is_not_asked_for(
    mail_app, host_client, district
):
    """`²` is a digit to Python but no number: the day shows the operator's own desk."""
    operator = _signed_in(mail_app, host_client, district["people"]["operator"])
    day = operator.get("/operatore/giornata?sportello=%C2%B2")
    assert day.status_code == 200 and "Social Point di Tradate (esempio)" in day.text


# -- e-mails: each change tells the citizen once, from the service that makes it ----------------


def _subjects(smtp, email) -> list[str]:
    return [message["Subject"].strip().split(":")[0] for message in smtp.to(email)]


def test_the_desk_s_booking_and_cancellation_are_each_told_once(
    mail_app, smtp, host_client, district
):
    """An operator books for a registered citizen and later cancels from the day at the desk:
    one confirmation, then one cancellation carrying the cancelled appointment for the
    citizen's calendar."""
    operator = _signed_in(mail_app, host_client, district["people"]["operator"])
    email = unique_email("disdetta-sportello")
    citizen_id = make_user(mail_app, SLUG, email, "citizen", full_name="Carlo Grigi")
    booked = _book(operator, district["point"], _slot(16, 9), citizen_contact=email)
    assert booked.status_code == 302
    ((booking_id, *_rest),) = _bookings(mail_app, citizen_user_id=citizen_id)
    assert _subjects(smtp, email) == ["Appuntamento confermato"]

    day = operator.get(f"/operatore/giornata?sportello={district['point']}&giorno={_day(16)}")
    cancelled = operator.post(
        f"/operatore/appuntamenti/{booking_id}",
        data={"csrf_token": csrf_token(day.text), "azione": "cancel"},
    )
    assert cancelled.status_code == 302
    assert _bookings(mail_app, id=booking_id)[0][3] == "cancelled"
    assert _subjects(smtp, email) == ["Appuntamento confermato", "Appuntamento disdetto"]
    assert str(_calendar_of(smtp.last_to(email))["method"]) == "CANCEL"


def test_the_services_tell_each_change_once_and_a_refused_one_not_at_all(mail_app, smtp, district):
    """Booking, moving and cancelling through the services, as a page, a job or a command does:
    one e-mail each (a move confirms the new time in its own message, not in a second
    confirmation), and none for a move that was refused."""
    email = unique_email("servizi")
    citizen_id = make_user(mail_app, SLUG, email, "citizen", full_name="Dora Celeste")
    with mail_app.app_context(), tenant_context(SLUG):
        point = db.session.get(SocialPoint, district["point"])
        booking = services.book(point, _slot(17, 9), "in_person", services.Who(citizen_id))
        with pytest.raises(InvalidInput):
            services.move(booking, "2020-01-06T09:00")
        assert _subjects(smtp, email) == ["Appuntamento confermato"]
        moved = services.move(db.session.get(Booking, booking.id), _slot(17, 10))
        services.cancel(moved)
    assert _subjects(smtp, email) == [
        "Appuntamento confermato",
        "Appuntamento spostato",
        "Appuntamento disdetto",
    ]


# -- the reminder ------------------------------------------------------------------------------


def test_the_reminder_the_day_before_goes_once(mail_app, smtp, host_client, district):
    email = unique_email("promemoria")
    citizen_id = make_user(mail_app, SLUG, email, "citizen", full_name="Ugo Rosa")
    with mail_app.app_context(), tenant_context(SLUG):
        point = db.session.get(SocialPoint, district["point"])
        booking = services.book(point, _slot(14, 9), "in_person", services.Who(citizen_id))
        day_before = datetime.combine(booking.day - timedelta(days=1), time(18))
        notices.send_reminders(day_before - timedelta(days=1))  # two days before: not yet
        assert db.session.get(Booking, booking.id).reminder_sent_at is None
        assert notices.send_reminders(day_before) >= 1
        assert notices.send_reminders(day_before) == 0  # a second run sends nothing
        assert db.session.get(Booking, booking.id).reminder_sent_at is not None
    reminders = [m for m in smtp.to(email) if "Promemoria" in m["Subject"]]
    assert len(reminders) == 1
    assert "Piazza Mazzini 6" in reminders[0].get_body(("plain",)).get_content()


def test_the_clock_runs_the_reminder_job_in_the_district(mail_app, smtp, district):
    """The periodic job, queued by the clock for this district, reminds tomorrow's appointment
    (the tests' apps run jobs inline)."""
    from condiviso.jobs import tick

    email = unique_email("domani")
    citizen_id = make_user(mail_app, SLUG, email, "citizen", full_name="Ida Viola")
    with mail_app.app_context(), tenant_context(SLUG):
        point = db.session.get(SocialPoint, district["point"])
        services.book(point, _slot(1, 11, 30), "phone", services.Who(citizen_id))
    with mail_app.app_context():
        assert (SLUG, "social_point.send_reminders") in tick()
        tick()  # a second tick finds the reminder already sent
    assert len([m for m in smtp.to(email) if "Promemoria" in m["Subject"]]) == 1


def test_an_operator_books_for_a_citizen_known_by_phone_only(mail_app, host_client, district):
    from condiviso.accounts.models import User

    operator = _signed_in(mail_app, host_client, district["people"]["operator"])
    with mail_app.app_context(), tenant_context(SLUG):
        citizen = User(email=None, phone="+393471234567", full_name="Nella Senza Mail")
        db.session.add(citizen)
        db.session.commit()
        citizen_id = citizen.id
    booked = _book(operator, district["point"], _slot(15, 10), citizen_contact="347 123 4567")
    assert booked.status_code == 302
    ((_id, _when, _start, status, _who, _guest, booked_by),) = _bookings(
        mail_app, citizen_user_id=citizen_id
    )
    assert (status, booked_by) == ("booked", district["ids"]["operator"])
    day = operator.get(f"/operatore/giornata?sportello={district['point']}&giorno={_day(15)}")
    assert "Nella Senza Mail" in day.text and "+393471234567" in day.text


def test_closing_a_day_with_appointments_warns_the_admin(mail_app, host_client, district):
    client, _email, _user_id = _citizen(mail_app, host_client)
    assert _book(client, district["point"], _slot(21, 9)).status_code == 302
    admin = _signed_in(mail_app, host_client, district["people"]["district_admin"])
    page = f"/admin/social-point/{district['point']}"
    closed = post_form(
        admin, f"{page}/chiusure", {"day": _day(21).isoformat(), "reason": "Sciopero"}, page=page
    )
    assert closed.status_code == 302
    shown = admin.get(page).text
    assert "c&#39;è 1 appuntamento" in shown and "1 appuntamento da gestire" in shown


def test_the_home_page_offers_a_person_to_talk_to(mail_app, host_client, district):
    home = host_client(HOST, mail_app).get("/").text
    assert "Preferisci parlare con una persona?" in home
    assert "Social Point di Tradate (esempio)" in home and 'href="/social-point"' in home
    provision(mail_app, "sportelli-vuoti", "Ambito senza sportelli", plugins={"social_point": {}})
    empty = host_client(f"sportelli-vuoti.{PLATFORM_DOMAIN}", mail_app).get("/").text
    assert "Preferisci parlare con una persona?" not in empty
