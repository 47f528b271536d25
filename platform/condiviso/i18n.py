"""Italian first, English second: the locale of each request, the language switch, and where
catalogs live."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
)
from flask_login import current_user

from condiviso.accounts.roles import Audience, allow
from condiviso.extensions import babel
from condiviso.urls import safe_next

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LOCALE_SESSION_KEY = "locale"

blueprint = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The language chosen with the switch, else the browser's preference; Italian when in
    doubt."""
    languages = current_app.config["LANGUAGES"]
    if has_request_context():
        chosen = _session_locale()
        if chosen in languages:
            return chosen
        user_locale = getattr(_signed_in_user(), "locale", None)
        if user_locale in languages:
            return user_locale
        return request.accept_languages.best_match(languages) or languages[0]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _signed_in_user():
    try:
        return current_user if current_user.is_authenticated else None
    except Exception:
        return None


def _session_locale() -> str | None:
    try:
        return session.get(LOCALE_SESSION_KEY)
    except AssertionError:
        # The session could not be opened (the error page of that failure is being rendered).
        return None


@blueprint.get("/lingua/<code>")
@allow(Audience.EVERYONE)
def switch_language(code: str):
    """Remember the visitor's language for this session and go back where they were.

    A GET changes nothing stored: the language of a person's e-mails is the one saved on their
    account page."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session[LOCALE_SESSION_KEY] = code
    return redirect(safe_next(request.args.get("next")))


def init_app(app: Flask, extra_directories: list[Path]) -> None:
    directories = [TRANSLATIONS, *[d for d in extra_directories if d.is_dir()]]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(d) for d in directories)
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(blueprint)
