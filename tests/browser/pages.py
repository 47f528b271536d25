"""Visiting a page in the browser tests: it answers, axe finds no WCAG A/AA violation, and on a
phone it does not scroll sideways."""

from __future__ import annotations


def visit(page, a11y, url: str, phone: bool) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 500, url
    check(page, a11y, phone)


def check(page, a11y, phone: bool) -> None:
    a11y.check(page)
    if phone:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 360px"
