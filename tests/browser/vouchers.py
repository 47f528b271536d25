"""Walking the vouchers' pages in the browser: each page looked at as a person sees it (axe-core
with no WCAG 2.1 A/AA violation, the rendered contrast of every piece of text in the content, no
sideways scrolling on a 360-px phone, each table scrolling inside its own region) and saved as a
full-page screenshot to be looked at."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from plugins.branding.contrast import AA_NORMAL_TEXT
from tests.browser.pages import check
from tests.people import PASSWORD

RENDERED_CONTRAST = (Path(__file__).parent / "contrast.js").read_text()
PHONE_WIDTH = 360

# Every visible element of the content that holds text of its own: [what it says, ratio,
# foreground, background]. Disabled controls and visually hidden text are not read.
MEASURE_CONTENT = f"""(() => {{
  const measure = {RENDERED_CONTRAST};
  const ownText = (element) => [...element.childNodes]
    .some((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim());
  return [...document.querySelectorAll("main *")]
    .filter((element) => element.getClientRects().length > 0)
    .filter((element) => !element.closest(".visually-hidden") && !element.disabled)
    .filter((element) => ownText(element) || ["INPUT", "SELECT"].includes(element.tagName))
    .filter((element) => !(element.tagName === "INPUT" && ["checkbox", "radio", "hidden"]
      .includes(element.type)))
    .map((element) => [(element.innerText || element.value || "").trim().slice(0, 60)
                       || element.tagName, ...measure(element)]);
}})()"""

# What sticks out of a 360-px window, for the message of a failed reflow check.
WIDER_THAN_THE_SCREEN = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !e.closest('.table-responsive') || e.classList.contains('table-responsive'))
  .slice(0, 8)
  .map(e => `${e.tagName}.${e.className}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`)"""

# Each table's scrolling region: [its name, its width, the table's width, whether it scrolls].
TABLE_REGIONS = """() => [...document.querySelectorAll('main table')].map(table => {
  const region = table.closest('.table-responsive');
  return [region ? region.getAttribute('aria-label') : table.caption?.innerText || 'table',
          region ? Math.round(region.getBoundingClientRect().right) : null,
          Math.round(table.getBoundingClientRect().width),
          region ? getComputedStyle(region).overflowX : 'none'];
})"""


class Walk:
    """One person's walk through the pages, at one width, with what is found on each page."""

    def __init__(self, page, a11y, viewport: str, shots: Path, who: str) -> None:
        self.page, self.a11y, self.viewport = page, a11y, viewport
        page.set_default_timeout(10_000)
        self.phone = viewport == "phone"
        self.shots, self.who = shots, who
        self.seen: list[Path] = []

    def look(self, name: str, axe: bool = True) -> None:
        """The page as it is now: axe (when the page runs scripts), contrast, width, tables, a
        screenshot."""
        page = self.page
        page.wait_for_load_state("load")
        if axe:
            check(page, self.a11y, self.phone)
        low = [
            f"{page.url}: «{text}» {foreground} on {background} = {ratio:.2f}:1"
            for text, ratio, foreground, background in page.evaluate(MEASURE_CONTENT)
            if ratio < AA_NORMAL_TEXT
        ]
        assert low == [], "\n".join(low)
        if self.phone:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE_WIDTH, (page.url, width, page.evaluate(WIDER_THAN_THE_SCREEN))
            for region, right, table_width, overflow in page.evaluate(TABLE_REGIONS):
                assert right is not None, f"{page.url}: the table «{region}» has no region"
                assert right <= PHONE_WIDTH, f"{page.url}: «{region}» ends at {right}px"
                if table_width > PHONE_WIDTH:
                    assert overflow in ("auto", "scroll"), f"{page.url}: «{region}» is cut"
        shot = self.shots / f"{self.who}-{self.viewport}-{len(self.seen) + 1:02d}-{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        self.seen.append(shot)

    def sign_in(self, live, host: str, email: str, axe: bool = True) -> None:
        self.page.goto(live.url(host, "/accedi"))
        self.look("accedi", axe)
        sign_in(self.page, live, host, email, go=False)


def sign_in(page, live, host: str, email: str, go: bool = True) -> None:
    """Signs `email` in through the form of /accedi (opened first unless `go` is false)."""
    if go:
        page.goto(live.url(host, "/accedi"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accedi").last.click()
    expect(page.get_by_role("button", name="Esci")).to_be_visible()
