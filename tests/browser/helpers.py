"""Helpers for browser tests: window sizes, signing in and out, accessibility checks."""

from axe_playwright_python.sync_playwright import Axe

from fieldcheck.demo import DEMO_PASSWORD

MOBILE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

_axe = Axe()


def sign_in(page, username, password=DEMO_PASSWORD):
    """Sign in through the form (in any language: fields are found by id); wait for the page."""
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def sign_out(page):
    with page.expect_navigation():
        page.locator("header form button[type=submit]").click()


def axe_violations(page) -> tuple[int, str]:
    """How many axe-core rules the page violates, and a readable report of them."""
    results = _axe.run(page)
    if not results.violations_count:
        return 0, ""
    return results.violations_count, results.generate_report()


def scroll_width(page) -> int:
    """The document's full width: more than the window's means a horizontal scroll bar."""
    return page.evaluate("document.documentElement.scrollWidth")
