"""The plan as a PDF a person can keep, in plain Italian, drawn by WeasyPrint from an HTML
template (docs/decisions/0013). Nothing is fetched while drawing: the template carries its own
style, and the fetcher refuses every URL, so a value in the plan can never make the server
reach out."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from plugins.care_plans import forms
from plugins.care_plans.models import CarePlan


def plan_pdf(plan: CarePlan, district_name: str) -> bytes:
    """The plan's PDF, always in Italian (the language of the district's records)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    with force_locale("it"):
        html = render_template(
            "care_plans/plan.pdf.html",
            plan=plan,
            district_name=district_name,
            funding=forms.FUNDING,
            statuses=forms.STATUSES,
        )
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


def pdf_filename(plan: CarePlan) -> str:
    return f"piano-{plan.reference}.pdf"
