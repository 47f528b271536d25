"""The printed voucher: code, value, what it covers, until when, and a QR code that opens it for
the cooperative; drawn by WeasyPrint with nothing fetched (the QR code is inline SVG)."""

from __future__ import annotations

import io

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup

from condiviso.plugin_api import TenantInfo, tenant_url
from plugins.vouchers import redeeming
from plugins.vouchers.models import Voucher


def qr_svg(text: str) -> Markup:
    """A QR code of `text` as inline SVG (medium error correction: a crumpled sheet still reads)."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False, svgns=True)
    return Markup(out.getvalue().decode("utf-8"))


def scan_url(tenant: TenantInfo, voucher: Voucher) -> str:
    return tenant_url(tenant, f"/admin/voucher/codice/{voucher.code}")


def voucher_pdf(voucher: Voucher, tenant: TenantInfo) -> bytes:
    """The voucher's sheet, in Italian (the person's language at the desk is the district's)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    with force_locale("it"):
        html = render_template(
            "vouchers/voucher.pdf.html",
            voucher=voucher,
            district_name=tenant.display_name,
            qr=qr_svg(scan_url(tenant, voucher)),
            eligible=redeeming.eligible_cooperatives(voucher),
        )
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()
