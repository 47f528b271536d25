"""The vouchers' pages: budgets and vouchers for comune staff and the district admin, redemption
for cooperative staff, the printed voucher for desks. Every page works without JavaScript."""

from __future__ import annotations

from flask import Blueprint

from plugins.wallet.money import format_cents, format_minutes

blueprint = Blueprint("vouchers", __name__, template_folder="templates")
blueprint.add_app_template_filter(format_cents, "cents")
blueprint.add_app_template_filter(format_minutes, "hours")
