"""Flask-Login for two kinds of people: platform operators on the apex host, district users
on tenant hosts. The session (signed per site) says who; the site says where to look.

A session is valid while the person's `session_version` is the one it was opened with: signing
out moves the version on, so every copy of the cookie stops working (decision 0020). Staff and
platform operators are also signed out after `STAFF_IDLE_MINUTES` without a request: desk
computers are shared."""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, user_logged_in

from condiviso.extensions import db
from condiviso.tenancy import SiteKind, current_site

login_manager = LoginManager()
SEEN_SESSION_KEY = "_seen"
# The last request is written back to the session at most this often.
SEEN_RESOLUTION_SECONDS = 60
_clock = time.time


def _idle_limited(person) -> bool:
    from condiviso.accounts.roles import STAFF_ROLES

    return not hasattr(person, "has_role") or person.has_role(*STAFF_ROLES)


def _still_present(person) -> bool:
    """False when a member of staff's session has been idle too long; else notes the visit."""
    now = _clock()
    seen = session.get(SEEN_SESSION_KEY)
    if _idle_limited(person):
        limit = current_app.config["STAFF_IDLE_MINUTES"] * 60
        if not isinstance(seen, int | float) or now - seen > limit:
            session.clear()
            flash(
                _(
                    "Per sicurezza sei uscito dopo %(n)d minuti senza attività: accedi di nuovo.",
                    n=current_app.config["STAFF_IDLE_MINUTES"],
                ),
                "info",
            )
            return False
    if not isinstance(seen, int | float) or now - seen >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_SESSION_KEY] = int(now)
    return True


@login_manager.user_loader
def load_user(user_id: str):
    identifier, _sep, version = user_id.partition(".")
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
    if not _still_present(person):
        return None
    return person


def signed_in_user():
    """The person signed in to this request (the model object itself, not Flask-Login's proxy),
    or None for a guest."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def end_every_session(person) -> None:
    """Sign `person` out everywhere: every cookie opened before stops working."""
    person.session_version += 1
    db.session.commit()


def _mark_sign_in(_app, user, **_extra) -> None:
    session[SEEN_SESSION_KEY] = int(_clock())


@login_manager.unauthorized_handler
def _unauthorized():
    site = current_site()
    endpoint = "console.login" if site.kind is SiteKind.PLATFORM else "accounts.login"
    return redirect(url_for(endpoint, next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    # Remember-me cookies are never issued: a signed-in session ends with the browser.
    app.config.setdefault("REMEMBER_COOKIE_DURATION", 0)
    user_logged_in.connect(_mark_sign_in, app)
