"""The vouchers' pages: budgets and vouchers for comune staff and the district admin, redemption
for cooperative staff, the printed voucher for desks. Every page works without JavaScript."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("vouchers", __name__, template_folder="templates")
