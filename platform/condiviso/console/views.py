"""The platform console (apex host): signing in and out, and the list of districts.

The district pages live in `district_views`, `plugin_views` and `lifecycle`, on the same
blueprint (`console.blueprint`); each view says who may use it, and the access check enforces
it.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from condiviso.accounts.forms import LoginForm
from condiviso.accounts.login import end_every_session
from condiviso.accounts.roles import Audience, allow
from condiviso.accounts.sign_in import SignInRefused
from condiviso.accounts.throttle import SignInThrottle
from condiviso.console import services
from condiviso.console.blueprint import blueprint, current_operator
from condiviso.console.operators import authenticate_operator
from condiviso.forms import ConfirmForm, invalid
from condiviso.ratelimit import limited
from condiviso.urls import safe_next


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
