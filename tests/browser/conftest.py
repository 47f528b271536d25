"""Browser tests: the real app served on loopback, driven by headless Chromium (the Debian
package) through Playwright, with axe-core checking every page visited."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


class LiveServer:
    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="session")
def live(mail_app) -> Iterator[LiveServer]:
    server = LiveServer(mail_app)
    server.thread.start()
    yield server
    server.server.shutdown()
    server.thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser(live):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                # Every test host (tradate.condiviso.test, ...) is this machine.
                "--host-resolver-rules=MAP * 127.0.0.1",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request) -> str:
    return request.param


@pytest.fixture
def page(browser, viewport):
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="it-IT")
    page = context.new_page()
    yield page
    context.close()


class Accessibility:
    """Runs axe-core on each page and keeps what it finds."""

    def __init__(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.checked: list[str] = []
        self.violations: list[str] = []

    def check(self, page) -> None:
        results = self.axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        self.checked.append(page.url)
        for violation in results.response["violations"]:
            nodes = "; ".join(
                n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                for n in violation["nodes"][:3]
            )
            self.violations.append(
                f"{page.url}: {violation['id']} ({violation['impact']}): "
                f"{violation['help']} [{nodes}]"
            )


@pytest.fixture
def a11y() -> Iterator[Accessibility]:
    checker = Accessibility()
    yield checker
    assert checker.checked, "no page was checked"
    assert checker.violations == [], "\n".join(checker.violations)
