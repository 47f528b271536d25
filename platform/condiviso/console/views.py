"""The platform console (apex host): signing in and out, and the list of districts.

The district pages live in `district_views`, `plugin_views` and `lifecycle`, on this same
blueprint; each view says who may use it, and the access check enforces it.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from condiviso.accounts.access import is_platform_operator
from condiviso.accounts.forms import LoginForm
from condiviso.accounts.login import end_every_session
from condiviso.accounts.roles import Audience, allow
from condiviso.accounts.services import SignInRefused
from condiviso.accounts.throttle import SignInThrottle
from condiviso.console import services
from condiviso.console.operators import authenticate_operator, operator_actor
from condiviso.extensions import db
from condiviso.forms import ConfirmForm, invalid
from condiviso.labels import EnumLabels
from condiviso.plugins import NavEntry
from condiviso.ratelimit import limited
from condiviso.tenancy.models import PlatformOperator, TenantStatus
from condiviso.urls import safe_next

blueprint = Blueprint("console", __name__, url_prefix="/console")


def current_operator() -> PlatformOperator:
    """The signed-in operator (the access check has made sure there is one)."""
    return current_user._get_current_object()


def current_actor() -> str:
    """How the signed-in operator's changes are recorded in the registry audit."""
    return operator_actor(current_operator())


# A district's status in words.
status_label = EnumLabels(
    {
        TenantStatus.PROVISIONING: _l("in creazione"),
        TenantStatus.ACTIVE: _l("attivo"),
        TenantStatus.SUSPENDED: _l("sospeso"),
        TenantStatus.OFFBOARDED: _l("dismesso"),
    }
)


def audit_details(details: dict[str, Any] | None) -> str:
    """An audit row's details, as compact JSON an operator can read."""
    return json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)


@blueprint.context_processor
def _console_context() -> dict[str, Any]:
    navigation = []
    if is_platform_operator(current_user):
        navigation = [
            NavEntry(_("Distretti"), "console.dashboard"),
            NavEntry(_("Nuovo distretto"), "console.provision"),
        ]
    return {
        "navigation": navigation,
        "status_label": status_label,
        "audit_details": audit_details,
    }


@blueprint.route("/accedi", methods=["GET", "POST"])
@allow(Audience.GUESTS)
@limited("10/minute", "100/hour", scope="console-login")
def login():
    """Operators sign in here; a refusal never says whether the e-mail or the password was
    wrong."""
    form = LoginForm()
    if form.validate_on_submit():
        throttle = SignInThrottle("console-login", form.email.data.strip().lower())
        throttle.check()
        try:
            operator = authenticate_operator(form.email.data, form.password.data)
        except SignInRefused as error:
            throttle.failed()
            form.form_errors.append(error.message)
        else:
            session.clear()
            login_user(operator)
            return throttle.remember(
                redirect(safe_next(request.args.get("next"), url_for("console.dashboard")))
            )
    status = 400 if form.form_errors else invalid(form)
    return render_template("console/login.html", form=form), status


@blueprint.post("/esci")
@allow(Audience.PLATFORM_OPERATOR)
def logout():
    """Sign out (a POST with its CSRF token, so no other site can sign anyone out)."""
    if ConfirmForm().validate_on_submit():
        end_every_session(current_operator())
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Sei uscito dalla console."), "info")
    return redirect(url_for("index"))


@blueprint.get("/")
@allow(Audience.PLATFORM_OPERATOR)
def dashboard():
    """Every district with its status, domains, plan and plugins; offboarded ones apart."""
    return render_template(
        "console/dashboard.html",
        districts=services.district_rows(),
        offboarded=services.offboarded_rows(),
    )


# The district pages add their routes to `blueprint`.
from condiviso.console import district_views, lifecycle, plugin_views  # noqa: E402, F401
