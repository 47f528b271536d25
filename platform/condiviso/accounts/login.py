"""Flask-Login for two kinds of people: platform operators on the apex host, district users
on tenant hosts. The session (signed per site) says who; the site says where to look."""

from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_login import LoginManager

from condiviso.extensions import db
from condiviso.tenancy import SiteKind, current_site

login_manager = LoginManager()


@login_manager.user_loader
def load_user(user_id: str):
    identifier, _, version = user_id.partition(".")
    if not identifier.isdigit() or not version.isdigit():
        return None
    site = current_site()
    if site.kind is SiteKind.PLATFORM:
        from condiviso.tenancy.models import PlatformOperator

        person = db.session.get(PlatformOperator, int(identifier))
        ok = person is not None and person.active
    elif site.kind is SiteKind.TENANT:
        from condiviso.accounts.models import User

        person = db.session.get(User, int(identifier))
        ok = person is not None and person.deleted_at is None
    else:
        return None
    if not ok or person.session_version != int(version):
        return None
    return person


@login_manager.unauthorized_handler
def _unauthorized():
    site = current_site()
    endpoint = "console.login" if site.kind is SiteKind.PLATFORM else "accounts.login"
    return redirect(url_for(endpoint, next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    # Remember-me cookies are never issued: a signed-in session ends with the browser.
    app.config.setdefault("REMEMBER_COOKIE_DURATION", 0)
