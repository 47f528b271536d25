"""The catalog search: the same cases on SQLite (FTS5) and PostgreSQL (full text, Italian,
unaccent, trigrams), whichever the suite runs on."""

from __future__ import annotations

import pytest

from condiviso.tenancy import tenant_context
from plugins.catalog.services import Filters, find_services
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
