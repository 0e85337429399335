"""The administrator's screens in real Chromium: signing in, both languages, creating a user,
accessibility (axe-core) and small screens."""

import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    DESKTOP,
    MOBILE,
    axe_violations,
    scroll_width,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.browser


def unique(prefix: str) -> str:
    """A username no other test (the database lives for the whole run) has used."""
    return f"{prefix}.{secrets.token_hex(3)}"


def main_nav(page, name="Main"):
    return page.get_by_role("navigation", name=name)


def test_admin_signs_in_in_english_and_creates_a_field_officer(page, server_requests):
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("fieldcheck-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Rina Marlina")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    main_nav(page).get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    page.get_by_role("link", name="New user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New user")

    username = unique("siti")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Full name").fill("Siti Rahayu")
    page.get_by_label("Role").select_option(label="Field officer")
    page.get_by_label("Team").select_option(label="Timpora Kabupaten Garut")
    page.get_by_label("Agency").select_option(label="Police")
    page.get_by_label("Temporary password").fill("sementara-2026-garut")
    page.get_by_role("button", name="Create user").click()

    expect(page.get_by_role("status")).to_have_text(
        f"Siti Rahayu can now sign in as {username} with the temporary password."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Siti Rahayu")
    assert server_requests.count("/admin/users/new", method="POST") == 1

    main_nav(page).get_by_role("link", name="Users").click()
    row = page.get_by_role("row").filter(has_text=username)
    expect(row.get_by_role("cell")).to_have_text(
        ["Siti Rahayu", username, "Field officer", "Timpora Kabupaten Garut", "Active"]
    )


@pytest.mark.parametrize("locale", ["id-ID"])
def test_an_indonesian_browser_gets_indonesian_pages(page):
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")

    page.get_by_label("Nama pengguna").fill("admin")
    page.get_by_label("Kata sandi").fill("fieldcheck-demo")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Selamat datang, Rina Marlina")
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()
    main_nav(page, "Menu utama").get_by_role("link", name="Pengguna").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pengguna")
    expect(page.get_by_role("link", name="Pengguna baru")).to_be_visible()


def test_language_switch_sticks_for_the_user_after_signing_out_and_in(live_server, open_page):
    username = unique("hendra")
    live_server.create_user(username, "supervisor", name="Hendra Wijaya", team=None)
    page = open_page(locale="en-US")
    sign_in(page, username)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Hendra Wijaya")

    footer = page.get_by_role("contentinfo")
    expect(footer.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    with page.expect_navigation():
        footer.get_by_role("button", name="Bahasa Indonesia").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Selamat datang, Hendra Wijaya")
    expect(footer.get_by_role("button", name="Bahasa Indonesia")).to_have_attribute(
        "aria-pressed", "true"
    )

    sign_out(page)
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")

    # A new browser (no cookies, English Accept-Language): the choice belongs to the user.
    page = open_page(locale="en-US")
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    sign_in(page, username)
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Selamat datang, Hendra Wijaya")

    # And back to English, which sticks the same way.
    with page.expect_navigation():
        page.get_by_role("contentinfo").get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Hendra Wijaya")
    sign_out(page)
    page = open_page(locale="id-ID")
    sign_in(page, username)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Hendra Wijaya")


def admin_pages(page):
    """Visit the administrator's pages one after the other, yielding each one's name."""
    page.goto("/login")
    yield "login page"
    sign_in(page, "admin")
    yield "start page"
    page.goto("/admin/users")
    yield "users list"
    page.goto("/admin/users/new")
    yield "new-user form"
    with page.expect_navigation():
        page.locator("main form.card button[type=submit]").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    yield "new-user form with errors"
    page.goto("/admin/teams")
    yield "teams list"
    with page.expect_navigation():
        page.get_by_role("link", name="Timpora Kabupaten Bandung").click()
    yield "team page"


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["360x740", "desktop"])
def test_admin_pages_have_no_axe_violations(page):
    reports = []
    visited = []
    for name in admin_pages(page):
        visited.append(name)
        count, report = axe_violations(page)
        if count:
            reports.append(f"--- {name}: {count} violation(s) at {page.url}\n{report}")
    assert len(visited) == 7
    assert not reports, "\n".join(reports)


@pytest.mark.parametrize("locale", ["en-US", "id-ID"])
@pytest.mark.parametrize("viewport", [MOBILE], ids=["360x740"])
def test_admin_pages_do_not_scroll_sideways_at_360px(page):
    too_wide = {}
    for name in admin_pages(page):
        width = scroll_width(page)
        if width > MOBILE["width"]:
            too_wide[name] = width
    assert not too_wide, f"wider than 360 px (scrollWidth): {too_wide}"
