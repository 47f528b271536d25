"""`/`: the platform's own landing page on the apex host, the district's portal home on a
district's host."""

from __future__ import annotations

from flask import Flask

from condiviso.accounts.roles import Audience, allow
from condiviso.portal.views import home
from condiviso.site.views import landing
from condiviso.tenancy import SiteKind, current_site


@allow(Audience.EVERYONE)
def index():
    return home() if current_site().kind is SiteKind.TENANT else landing()


def init_app(app: Flask) -> None:
    app.add_url_rule("/", "index", index)
