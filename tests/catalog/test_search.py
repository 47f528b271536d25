"""The catalog search: the same cases on SQLite (FTS5) and PostgreSQL (full text, Italian,
unaccent, trigrams), whichever the suite runs on."""

from __future__ import annotations

import pytest

from condiviso.tenancy import tenant_context
from plugins.catalog.finding import Filters, find_services
from tests.catalog.fixtures import build_network

CASES = [
    ("anziani", {"sad", "caffe"}),  # plural finds singular
    ("anziano", {"sad", "caffe"}),  # singular finds plural
    ("ANZIANI", {"sad", "caffe"}),
    ("babysitter", {"babysitter"}),  # joined finds hyphenated
    ("baby-sitter", {"babysitter"}),
    ("disabilita", {"trasporto"}),  # no accent finds the accented word
    ("disabilità", {"trasporto"}),
    ("assitenza", {"sad"}),  # a typo
    ("caffe", {"caffe"}),
    ("caffè citta", {"caffe"}),
    ("assistenza anziani", {"sad"}),  # every word must match
    ("astronave", set()),
    ("'; DROP TABLE catalog_service; --", set()),
    ("***", set()),
]


@pytest.fixture(scope="module")
def district(app):
    build_network(app, "cerca")
    return "cerca"


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_search_cases(app, district, query, expected):
    with app.test_request_context(), tenant_context(district):
        results, total = find_services(Filters(query=query))
        found = {s.slug for s in results}
    assert found == expected, query
    assert total == len(expected)


def test_title_matches_rank_first(app, district):
    with app.test_request_context(), tenant_context(district):
        results, _total = find_services(Filters(query="anziano"))
    assert results[0].slug == "sad"


def test_filters(app, district):
    with app.test_request_context(), tenant_context(district):
        free = {s.slug for s in find_services(Filters(free_only=True))[0]}
        public = {s.slug for s in find_services(Filters(provider_type="public"))[0]}
        at_home = {s.slug for s in find_services(Filters(delivery="at_home"))[0]}
        online, online_total = find_services(Filters(delivery="online", query="sitter"))
        everything, total = find_services(Filters())
    assert free == {"trasporto", "caffe"}
    assert public == {"trasporto"}
    assert at_home == {"sad", "babysitter", "trasporto"}
    assert [s.slug for s in online] == ["babysitter"] and online_total == 1
    assert total == 4 and len(everything) == 4


def test_rebuilding_the_index_finds_the_same(app, district):
    from plugins.catalog.search import rebuild_index

    with app.test_request_context(), tenant_context(district):
        before = {q: {s.slug for s in find_services(Filters(query=q))[0]} for q, _e in CASES}
        assert rebuild_index() == 4
        after = {q: {s.slug for s in find_services(Filters(query=q))[0]} for q, _e in CASES}
    assert after == before
    assert after["assitenza"] == {"sad"}  # the vocabulary of typos was rebuilt too


def test_pages_count_every_match(app, district):
    with app.test_request_context(), tenant_context(district):
        first, total = find_services(Filters(), page=1, per_page=3)
        second, second_total = find_services(Filters(), page=2, per_page=3)
        beyond, beyond_total = find_services(Filters(), page=5, per_page=3)
    assert (len(first), len(second), len(beyond)) == (3, 1, 0)
    assert total == second_total == beyond_total == 4
    assert {s.slug for s in first} | {s.slug for s in second} == {
        "sad",
        "babysitter",
        "trasporto",
        "caffe",
    }
