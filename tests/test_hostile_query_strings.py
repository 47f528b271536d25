"""Hostile query strings on every page of the app (GET), as each kind of person: never a 500.

A first pass walks the site as a guest, a citizen, an operator, the district admin and a
platform operator, following the links each page shows, and records which query-string
parameters every route reads (the app's `request.args` is swapped for one that notes every key
asked for). A second pass sends each route, at a real address of it, newlines, control
characters, 1 MB values, repeated keys and broken encodings in every parameter it reads and in
the common ones (`next`, `page`, `q`)."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask, request
from flask.wrappers import Request
from werkzeug.datastructures import ImmutableMultiDict

from condiviso.plugins import enablement
from condiviso.tenancy import SiteKind, get_runtime
from tests.accounts.flows import post_form
from tests.care_plans.fixtures import (
    add_item,
    catalog_item,
    move,
    post_on,
    record_intake,
    start_plan,
)
from tests.clients import HostClient
from tests.conftest import PLATFORM_DOMAIN, build_app
from tests.people import PASSWORD, make_user
from tests.social_point.fixtures import desk_open_every_day
from tests.vouchers.fixtures import build_vouchers_district, deliver, issue_voucher, make_line

SLUG = "ostile-get"
HOST = f"{SLUG}.{PLATFORM_DOMAIN}"
COMMON_KEYS = ("next", "page", "q")
# Raw (already encoded) values: each must be answered with a page, never a 500.
HOSTILE_RAW = [
    "%2F%0Aenv%3B",  # a newline, as in the Location header that once broke
    "%0D%0ASet-Cookie%3A%20x%3D1",
    "%00%01%1B%5B31m%7F",
    "%ff%fe%fd",  # not UTF-8
    "%",  # a broken escape
    "%E2%80%AE%EF%BB%BF%F0%9F%98%80",  # bidi override, BOM, emoji
    "-1",
    "99999999999999999999999999",
    "%C2%B2",  # a superscript two: str.isdigit says yes, int() says no
    "2026-02-30",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "..%2F..%2Fetc%2Fpasswd",
]
MEGABYTE = quote("x" * (1024 * 1024))
LINK = re.compile(r'href="(/[^"#]*)"')
# Links that end the crawl's session or are not pages to read.
SKIP_LINK = re.compile(r"^/(static|lingua)/|\.(ics|pdf|zip|css|svg|png)(\?|$)")

seen: dict[str, set[str]] = {}  # route rule -> parameter names read


class RecordingArgs(ImmutableMultiDict):
    """`request.args` that notes, per route, every key a view or form asks for."""

    def _note(self, key) -> None:
        rule = request.url_rule.rule if request.url_rule is not None else None
        if rule is not None and isinstance(key, str):
            seen.setdefault(rule, set()).add(key)

    def get(self, key, default=None, type=None):
        self._note(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self._note(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        self._note(key)
        return super().__contains__(key)


class RecordingRequest(Request):
    parameter_storage_class = RecordingArgs


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An app of its own (its request class records query keys) with a district using every
    plugin, some records in it, and one person of each kind."""
    app: Flask = build_app(tmp_path_factory)
    app.request_class = RecordingRequest
    district = build_vouchers_district(app, SLUG)
    voucher_id = issue_voucher(district, make_line(district, 100_000), value_cents=10_000)
    deliver(district, voucher_id, 2_000)
    from tests.districts import ACTOR

    with app.app_context():
        enablement.set_plugin(SLUG, "social_point", ACTOR, True, {})
        enablement.set_plugin(SLUG, "branding", ACTOR, True, {})
    desk_open_every_day(app, SLUG, district.ids["operator"])
    intake_id = record_intake(district)
    plan_id = start_plan(district)
    add_item(district, plan_id, **catalog_item(district, "sad"))
    move(district, plan_id, "condiviso")
    plan = f"/admin/piani/{plan_id}"
    assert post_on(district.client("operator"), plan, f"{plan}/richieste", {}).status_code == 302
    from condiviso.console.operators import create_operator

    operator = "console-ostile@esempio.it"
    with app.app_context():
        create_operator(operator, "Operatore della console", PASSWORD)
    citizen = district.ids["citizen"]
    district.record_pages = [  # pages reached from a search form rather than a link
        "/admin/comuni/",
        plan,
        f"/admin/piani/colloqui/{intake_id}",
        f"/admin/piani/persone/{citizen}",
        f"/operatore/cittadini/{citizen}/benvenuto",
    ]
    return app, district, operator


def _clients(site) -> list[tuple[str, HostClient, list[str]]]:
    app, district, operator = site
    console = HostClient(app, PLATFORM_DOMAIN)
    post_form(console, "/console/accedi", {"email": operator, "password": PASSWORD})
    district.add_person("both", "citizen", "district_admin")
    return [
        ("guest", district.client(), ["/", "/servizi", "/social-point", "/accedi", "/registrati"]),
        ("citizen", district.client("citizen"), ["/", "/account", "/il-mio-borsellino"]),
        ("operator", district.client("operator"), ["/admin/", "/operatore/giornata"]),
        ("cooperative", district.client("cooperative_staff"), ["/admin/voucher/cooperativa"]),
        ("comune", district.client("comune_staff"), ["/admin/voucher"]),
        ("admin", district.client("admin"), ["/admin/", "/admin/piani", *district.record_pages]),
        ("platform guest", HostClient(app, PLATFORM_DOMAIN), ["/", "/console/accedi"]),
        ("platform operator", console, ["/console/"]),
    ]


def _crawl(client: HostClient, starts: list[str], limit: int = 300) -> dict[str, str]:
    """rule -> one real path (with its query) of that rule, reached by following links."""
    app = client.app
    adapter = app.url_map.bind(client.host)
    found: dict[str, str] = {}
    visits: dict[str, int] = {}
    queue, visited = deque(starts), set()
    while queue and len(visited) < limit:
        path = queue.popleft()
        if path in visited:
            continue
        visited.add(path)
        try:
            rule, _args = adapter.match(urlsplit(path).path, method="GET", return_rule=True)
        except Exception:
            continue
        # A few addresses of each route: with and without the query its links carry.
        if visits.get(rule.rule, 0) >= 3:
            continue
        visits[rule.rule] = visits.get(rule.rule, 0) + 1
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
        found.setdefault(rule.rule, path)
        if response.mimetype == "text/html":
            for link in LINK.findall(response.get_data(as_text=True)):
                link = link.replace("&amp;", "&")
                if not SKIP_LINK.search(link) and link not in visited:
                    queue.append(link)
    return found


# Values for the parts of addresses the walk did not reach (the language switch, say).
MADE_UP = {"code": "en", "kind": "privacy", "name": "branding", "slug": "x"}


def _endpoint(app: Flask, rule: str) -> str:
    """The blueprint of the route `rule`."""
    return next(r.endpoint for r in app.url_map.iter_rules() if r.rule == rule).rpartition(".")[0]


def _made_up(rule: str) -> str:
    def value(match: re.Match) -> str:
        converter, _, name = match.group(1).rpartition(":")
        return "1" if converter == "int" else MADE_UP.get(name, "x")

    return re.sub(r"<([^>]+)>", value, rule)


def _hostile_queries(keys: set[str]):
    """Every hostile value in each parameter the route reads; a few in the common ones (most
    routes ignore them); one 1 MB value; broken names."""
    for key in sorted(keys):
        name = quote(key)
        for raw in HOSTILE_RAW:
            yield f"{name}={raw}"
        yield f"{name}=a&{name}=b&{name}=c"  # repeated
    for key in COMMON_KEYS:
        if key not in keys:
            yield f"{key}={HOSTILE_RAW[0]}&{key}={HOSTILE_RAW[3]}"
    yield f"{quote(min(keys)) if keys else 'q'}={MEGABYTE}"
    yield "%ff=1&%00=2&&==&"


def test_no_page_answers_500_to_a_hostile_query_string(site):
    app, _district, _operator = site
    runtime = get_runtime(app)
    reached: dict[str, tuple[str, HostClient]] = {}
    for _who, client, starts in _clients(site):
        for rule, path in _crawl(client, starts).items():
            reached.setdefault(rule, (path, client))
    get_rules = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint != "static"
    }
    # Most of the site is reached by links (so the walk cannot quietly shrink); the rest, such
    # as links carrying a secret token, at an address made up, by the most privileged person.
    assert len(reached) >= 60, sorted(get_rules - set(reached))
    assert sum(len(keys) for keys in seen.values()) >= 8, seen  # the recorder works
    clients = {who: client for who, client, _starts in _clients(site)}
    for rule in get_rules - set(reached):
        site = runtime.blueprint_sites.get(_endpoint(app, rule))
        who = "platform operator" if site is SiteKind.PLATFORM else "admin"
        reached[rule] = (_made_up(rule), clients[who])
    sent, broken = 0, []
    for rule, (path, client) in sorted(reached.items()):
        base = urlsplit(path).path
        for query in _hostile_queries(seen.get(rule, set())):
            response = client.get(f"{base}?{query}")
            if response.status_code >= 500:
                broken.append((rule, query[:60], response.status_code))
            response.close()
            sent += 1
    assert broken == []
    assert sent > 500


def test_sign_in_with_next_full_of_control_characters_goes_home(site):
    app, _district, _operator = site
    email = "prossima@esempio.it"
    make_user(app, SLUG, email, "citizen")
    client = HostClient(app, HOST)
    page = "/accedi?next=%2Faccount%0D%0ASet-Cookie:x=1"
    response = post_form(client, page, {"email": email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
