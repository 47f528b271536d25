"""The search page's top area on a 360-px phone: the heading, the search box and its label, the
filters and the button each stand in their own place; no two of their texts overlap."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.conftest import VIEWPORTS
from tests.catalog.fixtures import build_network
from tests.conftest import PLATFORM_DOMAIN

# The texts a person reads at the top of the page, down to the results' heading.
TOP_AREA = (
    "main h1, main form[role=search] label, main form[role=search] legend, "
    "main form[role=search] input:not([type=checkbox]):not([type=radio]):not([type=hidden]), "
    "main form[role=search] select, main form[role=search] button, main #results-title"
)
BOXES = f"""[...document.querySelectorAll("{TOP_AREA}")].map((element) => {{
  const box = element.getBoundingClientRect();
  return [element.tagName.toLowerCase() + (element.id ? "#" + element.id : "") + " «" +
          (element.innerText || element.value || "").trim().slice(0, 30) + "»",
          box.left, box.top, box.right, box.bottom];
}})"""


def _overlaps(boxes) -> list[str]:
    found = []
    for index, (first, *a) in enumerate(boxes):
        for second, *b in boxes[index + 1 :]:
            width = min(a[2], b[2]) - max(a[0], b[0])
            height = min(a[3], b[3]) - max(a[1], b[1])
            if width > 0.5 and height > 0.5:
                found.append(f"{first} overlaps {second} by {width:.0f}x{height:.0f}px")
    return found


@pytest.mark.parametrize("locale", ["it", "en"])
def test_no_two_texts_of_the_search_page_top_overlap_on_a_phone(browser, live, mail_app, locale):
    slug = f"web-ricerca-{uuid.uuid4().hex[:6]}"
    build_network(mail_app, slug)
    host = f"{slug}.{PLATFORM_DOMAIN}"
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="it-IT")
    page = context.new_page()
    page.goto(live.url(host, f"/lingua/{locale}?next=/servizi%3Fq%3Danziani"))
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == locale
    boxes = page.evaluate(BOXES)
    assert len(boxes) >= 10, boxes
    context.close()
    assert _overlaps(boxes) == []
