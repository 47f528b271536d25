"""The baseline of the tenancy benchmark: a plain single-database Flask app serving Condiviso's
comune page.

It uses the same stack as Condiviso (Flask, Flask-SQLAlchemy, Flask-Babel with Condiviso's
catalogs) and renders the same template files (`portal/comune.html` extending `base.html`) with
an equivalent context, from one SQLite database holding the same `comune` row. What it lacks is
exactly what the benchmark prices: host routing, the tenant registry, per-tenant engines and
sessions, per-tenant session keys, request ids and the plugin hooks.

gunicorn serves it with Condiviso's own settings (`scripts/benchmarks/tenancy.py` starts it):

    BASELINE_DATABASE=/path/to/baseline.sqlite \\
    .venv/bin/gunicorn -c config/gunicorn.conf.py --pythonpath scripts/benchmarks \\
        'baseline_app:create_app()'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, jsonify, render_template, request, session
from flask_babel import Babel, get_locale
from flask_babel import gettext as _
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

PACKAGE = Path(__file__).resolve().parents[2] / "platform" / "condiviso"
LANGUAGES = ["it", "en"]
LOCALE_SESSION_KEY = "locale"
# The name a Condiviso tenant's shell shows; the benchmark gives its tenants the same one.
SHELL_NAME = "Ambito distrettuale di Tradate"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Comune(db.Model):
    """The same columns as Condiviso's `comune` table (condiviso.territory.models.Comune)."""

    __tablename__ = "comune"

    id: Mapped[int] = mapped_column(primary_key=True)
    istat_code: Mapped[str] = mapped_column(sa.String(6), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    cadastral_code: Mapped[str | None] = mapped_column(sa.String(4))
    postal_code: Mapped[str | None] = mapped_column(sa.String(5))
    population: Mapped[int | None]
    is_lead: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


def select_locale() -> str:
    """Condiviso's locale selector (condiviso.i18n): the session's choice, else the browser's."""
    chosen = session.get(LOCALE_SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def shell_context() -> dict[str, Any]:
    """What base.html reads, as Condiviso gives it for a tenant with no plugin enabled."""
    return {
        "site": None,
        "shell_name": SHELL_NAME,
        "shell_tagline": _("Welfare condiviso"),
        "current_locale": str(get_locale() or "it"),
        "navigation": [],
        "stylesheets": [],
    }


def index():
    """Stub of the home page: base.html links to it."""
    return "home"


def comune(istat_code: str):
    """The page under test, written as Condiviso's portal.views.comune."""
    if not (len(istat_code) == 6 and istat_code.isdigit()):
        abort(404)
    record = db.session.scalar(sa.select(Comune).where(Comune.istat_code == istat_code))
    if record is None:
        abort(404)
    return render_template("portal/comune.html", comune=record)


def healthz():
    return jsonify(status="ok")


def switch_language(code: str):
    """Stub of the language switch: base.html links to it."""
    return code


def create_app(database: str | os.PathLike | None = None) -> Flask:
    """The baseline app on `database` (default: the BASELINE_DATABASE environment variable)."""
    path = Path(database or os.environ["BASELINE_DATABASE"]).resolve()
    app = Flask(
        __name__,
        template_folder=str(PACKAGE / "templates"),
        static_folder=str(PACKAGE / "static"),
    )
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY") or "baseline-" + "x" * 40,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
        BABEL_DEFAULT_LOCALE="it",
        BABEL_DEFAULT_TIMEZONE="Europe/Rome",
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE / "translations"),
    )
    db.init_app(app)
    Babel(app, locale_selector=select_locale)
    i18n = Blueprint("i18n", __name__)
    i18n.add_url_rule("/lingua/<code>", "switch_language", switch_language)
    app.register_blueprint(i18n)
    app.add_url_rule("/", "index", index)
    app.add_url_rule("/comuni/<istat_code>", "comune", comune)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.context_processor(shell_context)
    return app


def create_database(database: str | os.PathLike, record: Mapping[str, Any]) -> None:
    """Create the baseline's database holding one comune (the benchmark's row)."""
    app = create_app(database)
    with app.app_context():
        db.create_all()
        db.session.add(Comune(**record))
        db.session.commit()
        db.engine.dispose()
