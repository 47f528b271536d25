"""Static files as built by scripts/setup (scripts/assets.mjs): pages name them by hashed URLs
that exist, they come compressed as the browser accepts, and hashed ones are cached for a year."""

from __future__ import annotations

import gzip
import re
import uuid

import pytest

from condiviso.static_files import ONE_YEAR, category_icons, static_manifest
from tests.catalog.fixtures import build_network
from tests.conftest import PLATFORM_DOMAIN

HASHED = re.compile(r"^/static/build/.+\.[0-9a-f]{12}\.[a-z0-9]+$")
PAGES = ("/", "/servizi?q=anziani", "/accedi", "/registrati", "/privacy")


@pytest.fixture(scope="module")
def district(app) -> str:
    slug = f"statici-{uuid.uuid4().hex[:6]}"
    build_network(app, slug)
    return f"{slug}.{PLATFORM_DOMAIN}"


def _static_references(html: str) -> set[str]:
    found = set(re.findall(r'(?:href|src)="(/static/[^"#]+)', html))
    assert found, "the page names no static file"
    return found


def _get(client, url: str, **kwargs):
    """A static file, read whole (and its file closed) before returning."""
    return client.get(url, buffered=True, **kwargs)


def _stylesheet(client, district) -> str:
    (css,) = [u for u in _static_references(client.get("/").text) if u.endswith(".css")]
    return css


def test_every_asset_a_page_references_is_hashed_and_exists(host_client, district):
    client = host_client(district)
    referenced = set()
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, path
        referenced |= _static_references(page.text)
    # The fonts the stylesheet names.
    css = _get(client, _stylesheet(client, district), headers={"Accept-Encoding": ""})
    for font in re.findall(r"url\((fonts/[^)]+)\)", css.text):
        referenced.add(f"/static/build/{font}")
    assert any(url.endswith(".woff2") for url in referenced)
    for url in sorted(referenced):
        assert HASHED.match(url), f"{url} has no content hash in its name"
        response = _get(client, url)
        assert response.status_code == 200, url
        assert response.data, url


def test_compressed_as_the_browser_accepts(app, host_client, district):
    client = host_client(district)
    url = _stylesheet(client, district)
    plain = _get(client, url, headers={"Accept-Encoding": ""})
    assert plain.headers.get("Content-Encoding") is None
    assert plain.headers["Content-Type"].startswith("text/css")
    assert b"Titillium Web" in plain.data

    brotli = _get(client, url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert brotli.headers["Content-Encoding"] == "br"
    assert brotli.headers["Content-Type"].startswith("text/css")
    with open(f"{app.static_folder}/{url.removeprefix('/static/')}.br", "rb") as built:
        assert brotli.data == built.read()
    assert len(brotli.data) < len(plain.data) / 3

    for accepted in ("gzip", "br;q=0, gzip;q=0.8"):
        zipped = _get(client, url, headers={"Accept-Encoding": accepted})
        assert zipped.headers["Content-Encoding"] == "gzip", accepted
        assert gzip.decompress(zipped.data) == plain.data

    for response in (plain, brotli, zipped):
        assert "Accept-Encoding" in response.headers["Vary"]


def test_hashed_files_are_immutable_for_a_year(app, host_client, district):
    client = host_client(district)
    for logical in ("condiviso.css", "icons.svg", "fonts/titillium-web-400.woff2"):
        url = "/static/" + static_manifest(app)[logical]
        cache = _get(client, url).headers["Cache-Control"]
        assert {"public", f"max-age={ONE_YEAR}", "immutable"} <= {
            part.strip() for part in cache.split(",")
        }, (url, cache)
    # A name without a hash can change under the same URL: never immutable.
    source = _get(client, "/static/condiviso.css")
    assert source.status_code == 200
    assert "immutable" not in source.headers.get("Cache-Control", "")


def test_static_files_answer_only_on_known_hosts(app, host_client):
    url = "/static/" + static_manifest(app)["condiviso.css"]
    assert _get(host_client(f"sconosciuto.{PLATFORM_DOMAIN}"), url).status_code == 404


def test_the_sprite_holds_the_category_icons_and_no_others(app, host_client, district):
    client = host_client(district)
    sprite = _get(client, "/static/" + static_manifest(app)["icons.svg"]).text
    symbols = set(re.findall(r'<symbol id="([^"]+)"', sprite))
    assert set(category_icons()) <= symbols
    assert "it-android" not in symbols
    assert len(symbols) < 60
