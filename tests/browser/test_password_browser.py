"""Choosing one's own password in real Chromium: the server's verdict follows the typing (htmx,
no estimator in the page), the page passes axe-core with either verdict, and the form still
decides on submit."""

import secrets
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import axe_violations, sign_in

pytestmark = pytest.mark.browser

GOOD = "Jalan-Braga-kopi-hujan-7"


def test_the_servers_verdict_follows_the_typing_and_the_page_passes_axe(
    page, live_server, server_requests
):
    username = f"pw.{secrets.token_hex(3)}"
    live_server.create_user(username, "intake", name="Dewi Lestari", team=None)
    sign_in(page, username)
    page.goto("/account/password")
    page.get_by_label("Current password").fill("fieldcheck-demo")
    new = page.get_by_label("New password", exact=True)
    verdict = page.locator("#new-verdict")

    with page.expect_request("**/account/password/check") as asked:
        new.fill("iloveyou1234")
    assert parse_qs(asked.value.post_data) == {"new": ["iloveyou1234"]}  # not the current one
    expect(verdict.locator(".password-problems li")).to_have_text(
        ["This is one of the most common passwords, or one with digits or symbols added."]
    )
    count, report = axe_violations(page)
    assert count == 0, report

    new.fill(f"{username}-{username}")
    expect(verdict.locator(".password-problems li")).to_have_text(
        ["This is built from the username."]
    )

    new.fill(GOOD)
    expect(verdict).to_have_text("Strong enough.")
    count, report = axe_violations(page)
    assert count == 0, report
    assert server_requests.count("/account/password/check", method="POST") >= 3

    page.get_by_label("New password again").fill(GOOD)
    with page.expect_navigation():
        page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_have_text("Your password has been changed.")
