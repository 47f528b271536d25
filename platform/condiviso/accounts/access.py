"""The one access check: every request's view says who may use it (`allow`), and this hook
enforces it before the view runs. A view that says nothing is refused."""

from __future__ import annotations

import logging

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from condiviso.accounts.roles import ACCESS_ATTRIBUTE, Audience, Role
from condiviso.tenancy import SiteKind, current_site

log = logging.getLogger(__name__)


def declared_access(endpoint: str) -> frozenset | None:
    """Who the view behind `endpoint` admits; None when it does not say."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return frozenset({Audience.EVERYONE})
    view = current_app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTRIBUTE, None)


def is_platform_operator(user) -> bool:
    from condiviso.tenancy.models import PlatformOperator

    return isinstance(user, PlatformOperator) and user.is_authenticated and user.is_active


def may_use(who: frozenset, user, site_kind: SiteKind) -> bool:
    """Whether `user` (possibly anonymous) may use a view admitting `who` on this kind of site."""
    if Audience.EVERYONE in who:
        return True
    if site_kind is SiteKind.PLATFORM:
        operator = is_platform_operator(user)
        if Audience.GUESTS in who:
            return not operator
        return Audience.PLATFORM_OPERATOR in who and operator
    signed_in = bool(user.is_authenticated) and not is_platform_operator(user)
    if Audience.GUESTS in who:
        return not signed_in
    if not signed_in:
        return False
    return Audience.SIGNED_IN in who or bool(user.roles & {r for r in who if isinstance(r, Role)})


def _login_endpoint(site_kind: SiteKind) -> str:
    return "console.login" if site_kind is SiteKind.PLATFORM else "accounts.login"


def check_access():
    if request.endpoint is None:
        return None
    who = declared_access(request.endpoint)
    if who is None:
        log.error("view %s does not declare who may use it; refused", request.endpoint)
        abort(403)
    if Audience.EVERYONE in who:
        return None
    site = current_site()
    if may_use(who, current_user, site.kind):
        return None
    if Audience.GUESTS in who:
        return redirect(url_for("index"))
    if not current_user.is_authenticated:
        endpoint = _login_endpoint(site.kind)
        if endpoint in current_app.view_functions:
            return redirect(url_for(endpoint, next=request.full_path.rstrip("?")))
    abort(403)


def init_app(app: Flask) -> None:
    app.before_request(check_access)
