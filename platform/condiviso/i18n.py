"""Italian first, English second: the locale of each request, and where catalogs live."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_request_context, request

from condiviso.extensions import babel

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
    """The visitor's preferred language among those offered; Italian when in doubt."""
    languages = current_app.config["LANGUAGES"]
    if has_request_context():
        return request.accept_languages.best_match(languages) or languages[0]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask, extra_directories: list[Path]) -> None:
    directories = [TRANSLATIONS, *[d for d in extra_directories if d.is_dir()]]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(d) for d in directories)
    babel.init_app(app, locale_selector=select_locale)
