"""The platform console (apex host)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from condiviso.accounts.forms import ConfirmForm, LoginForm
from condiviso.accounts.roles import Audience, allow
from condiviso.accounts.services import SignInRefused
from condiviso.console.operators import authenticate_operator
from condiviso.forms import invalid
from condiviso.ratelimit import enforce, limited, per_site_and_email
from condiviso.urls import safe_next

blueprint = Blueprint("console", __name__, url_prefix="/console")


@blueprint.route("/accedi", methods=["GET", "POST"])
@allow(Audience.GUESTS)
@limited("10/minute", "100/hour", scope="console-login")
def login():
    form = LoginForm()
    if form.validate_on_submit():
        enforce("10/15 minutes", per_site_and_email(form.email.data), "console-login-email")
        try:
            operator = authenticate_operator(form.email.data, form.password.data)
        except SignInRefused as error:
            form.form_errors.append(error.message)
        else:
            session.clear()
            login_user(operator)
            return redirect(safe_next(request.args.get("next"), url_for("console.dashboard")))
    status = 400 if form.form_errors else invalid(form)
    return render_template("console/login.html", form=form), status


@blueprint.post("/esci")
@allow(Audience.PLATFORM_OPERATOR)
def logout():
    if ConfirmForm().validate_on_submit():
        logout_user()
        session.clear()
        flash(_("Sei uscito dalla console."), "info")
    return redirect(url_for("index"))


@blueprint.get("/")
@allow(Audience.PLATFORM_OPERATOR)
def dashboard():
    from condiviso.console import services

    return render_template("console/dashboard.html", districts=services.district_rows())
