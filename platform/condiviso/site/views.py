"""The platform's public pages on the apex host."""

from __future__ import annotations

from flask import Blueprint, render_template

from condiviso.tenancy import TenantStatus, get_runtime
from condiviso.urls import tenant_url

blueprint = Blueprint("site", __name__)


def landing():
    """The platform's home page: what Condiviso is and the districts it serves."""
    snapshot = get_runtime().registry.snapshot()
    districts = sorted(
        (t for t in snapshot.by_slug.values() if t.status is TenantStatus.ACTIVE),
        key=lambda t: t.display_name,
    )
    return render_template("site/landing.html", districts=[(t, tenant_url(t)) for t in districts])
