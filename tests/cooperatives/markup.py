"""What a page's HTML must hold to be usable with a screen reader and on a phone (WCAG 2.1 AA),
checked with the standard library's parser: headings in order, fields tied to labels, errors
tied to their fields, tables with a caption, header scopes and a scrolling wrapper, and no
inline style or script."""

from __future__ import annotations

import re
from html.parser import HTMLParser

FIELDS = {"input", "select", "textarea"}
UNLABELLED_INPUTS = {"hidden", "submit", "button"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.labels: set[str] = set()
        self.ids: set[str] = set()
        self.fields: list[dict[str, str | None]] = []
        self.tables: list[dict[str, object]] = []
        self.open_divs: list[bool] = []  # whether each open <div> is a .table-responsive
        self.ths: list[dict[str, str | None]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if "style" in attributes or tag == "style":
            self.problems.append(f"inline style on <{tag}>")
        if tag == "script" and not attributes.get("src"):
            self.problems.append("inline <script>")
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        elif tag == "label" and attributes.get("for"):
            self.labels.add(attributes["for"])
        elif tag in FIELDS and attributes.get("type") not in UNLABELLED_INPUTS:
            self.fields.append(attributes)
        elif tag == "div":
            self.open_divs.append("table-responsive" in (attributes.get("class") or "").split())
        elif tag == "table":
            self.tables.append({"wrapped": any(self.open_divs), "caption": False})
        elif tag == "caption" and self.tables:
            self.tables[-1]["caption"] = True
        elif tag == "th":
            self.ths.append(attributes)

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.open_divs:
            self.open_divs.pop()


def accessibility_problems(html: str) -> list[str]:
    """What the page gets wrong, in words; empty when it passes every check."""
    page = _Page()
    page.feed(html)
    problems = list(page.problems)
    if page.headings.count(1) != 1:
        problems.append(f"{page.headings.count(1)} <h1> instead of one")
    for previous, current in zip(page.headings, page.headings[1:], strict=False):
        if current > previous + 1:
            problems.append(f"heading <h{current}> follows <h{previous}>")
    for field in page.fields:
        if field.get("id") not in page.labels:
            problems.append(f"field {field.get('name')!r} has no <label for>")
        for described in (field.get("aria-describedby") or "").split():
            if described not in page.ids:
                problems.append(f"field {field.get('name')!r} described by missing #{described}")
        if field.get("aria-invalid") == "true" and "-error" not in (
            field.get("aria-describedby") or ""
        ):
            problems.append(f"field {field.get('name')!r} is invalid but its error is not tied")
    for table in page.tables:
        if not table["caption"]:
            problems.append("table without <caption>")
        if not table["wrapped"]:
            problems.append("table not inside <div class='table-responsive'>")
    for th in page.ths:
        if th.get("scope") not in {"col", "row"}:
            problems.append("<th> without scope")
    return problems


def described_by(html: str, field_id: str) -> list[str]:
    """The ids a field's `aria-describedby` points to (empty when the field has none)."""
    tag = re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{re.escape(field_id)}"[^>]*>', html)
    assert tag, f"no field #{field_id} in the page"
    described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    return described.group(1).split() if described else []
