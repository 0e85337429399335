"""The second factor in real Chromium: a supervisor without one is taken to enrolment, enrols
by scanning (the test reads the key the page shows and computes codes with pyotp, as an
authenticator app would), signs in with a code; wrong, replayed and reused codes are refused and
counted toward the sign-in limit; a recovery code works once; another administrator's reset is
audited; axe finds no violations on the enrolment and code pages."""

import re
import secrets
import time

import pyotp
import pytest

from fieldcheck import accounts
from fieldcheck.clock import utcnow
from fieldcheck.db import database
from fieldcheck.models import AuditEvent, User
from tests.browser.helpers import axe_violations, sign_in, sign_out

pytestmark = pytest.mark.browser


@pytest.fixture
def second_factor_required(live_server, monkeypatch):
    monkeypatch.setitem(live_server.app.config, "SECOND_FACTOR_ROLES", ("admin", "supervisor"))
    monkeypatch.setitem(live_server.app.config, "LOGIN_LIMIT_PER_USERNAME", "5 per 15 minutes")
    return live_server


def enter_code(page, code: str):
    page.locator("#code").fill(code)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def next_step_code(secret: str) -> str:
    """The code of the next 30-second step: newer than any code accepted so far this step, and
    still within the one step of drift the server allows."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def enrolled_admin(live_server) -> tuple[str, str]:
    """Another administrator with a second factor already set up: (username, secret)."""
    username = f"adm.{secrets.token_hex(3)}"
    live_server.create_user(username, "admin", team=None)
    with live_server.app.app_context():
        user = User.get(User.username == username)
        with database.atomic():
            secret = accounts.pending_second_factor_secret(user)
        actor = accounts.Actor(user, utcnow(), "test")
        assert accounts.enrol_second_factor(actor, user, pyotp.TOTP(secret).now())
    return username, secret


def test_a_supervisor_enrols_signs_in_with_codes_and_an_administrator_resets_it(
    second_factor_required, open_page
):
    live_server = second_factor_required
    username = f"sup.{secrets.token_hex(3)}"
    live_server.create_user(username, "supervisor", team=None)
    page = open_page(locale="en-US")

    # Taken to enrolment after the right password; the page passes axe.
    sign_in(page, username)
    assert page.url.endswith("/login/enrol")
    assert page.locator("svg.enrol-qr").is_visible()
    count, report = axe_violations(page)
    assert count == 0, report
    secret = page.locator(".enrol-key").inner_text().replace(" ", "")
    enter_code(page, "000000")
    assert "not right" in page.locator("[role=alert]").inner_text()
    enrolment_code = pyotp.TOTP(secret).now()
    enter_code(page, enrolment_code)
    codes = re.findall(r"[a-z0-9]{5}-[a-z0-9]{5}", page.locator(".recovery-codes").inner_text())
    assert len(codes) == 10
    with page.expect_navigation():
        page.locator("main a.button").click()
    assert page.locator("h1").inner_text().startswith("Welcome")

    # Signing in again: the code page passes axe; a replayed code is refused, a new one opens.
    sign_out(page)
    sign_in(page, username)
    assert page.url.endswith("/login/code")
    count, report = axe_violations(page)
    assert count == 0, report
    enter_code(page, enrolment_code)
    assert page.url.endswith("/login/code") and page.locator("[role=alert]").is_visible()
    enter_code(page, next_step_code(secret))
    assert page.locator("h1").inner_text().startswith("Welcome")

    # A recovery code works once and only once.
    sign_out(page)
    sign_in(page, username)
    enter_code(page, codes[0])
    assert "recovery code" in page.locator(".flash").first.inner_text()
    sign_out(page)
    sign_in(page, username)
    enter_code(page, codes[0])
    assert page.url.endswith("/login/code") and page.locator("[role=alert]").is_visible()

    # Wrong codes count toward the per-username limit (5 here): the enrolment's wrong code, the
    # replayed one and the reused recovery code were three; two more, and even a right one waits.
    enter_code(page, "111111")
    enter_code(page, "222222")
    enter_code(page, codes[1])
    assert "Too many failed sign-in attempts" in page.locator("main").inner_text()
    with live_server.app.app_context():
        supervisor = User.get(User.username == username)
        assert accounts.recovery_codes_left(supervisor) == 9  # the refused one was not used

    # Another administrator resets it (a lost phone), and the reset is audited.
    admin, admin_secret = enrolled_admin(live_server)
    desk = open_page(locale="en-US")
    sign_in(desk, admin)
    enter_code(desk, next_step_code(admin_secret))
    desk.goto(f"/admin/users/{supervisor.id}")
    with desk.expect_navigation():
        desk.get_by_role("button", name="Reset second factor").click()
    with live_server.app.app_context():
        reset = AuditEvent.get(
            (AuditEvent.action == "user.second_factor_reset")
            & (AuditEvent.subject_id == str(supervisor.id))
        )
        assert reset.actor_name == admin
        assert not User.get_by_id(supervisor.id).has_second_factor


@pytest.mark.parametrize("locale", ["id-ID", "en-US"])
def test_sessions_and_devices_reads_on_a_phone(live_server, open_page, locale):
    """Two sessions and a phone's token listed at 360 px: no sideways scrolling, axe clean,
    and ending the other session signs that browser out."""
    from fieldcheck import accounts, devices
    from fieldcheck.clock import utcnow
    from tests.browser.helpers import MOBILE, scroll_width

    username = f"fo.{secrets.token_hex(3)}"
    live_server.create_user(username, "field")
    other = open_page(locale=locale, viewport=MOBILE)
    sign_in(other, username)
    page = open_page(locale=locale, viewport=MOBILE)
    sign_in(page, username)

    with live_server.app.app_context():  # the officer's phone, enrolled from the desk
        owner = User.get(User.username == username)
        devices.issue_token(accounts.Actor(owner, utcnow(), "test"), owner, "Android")
    page.goto("/account/devices")
    assert page.locator("#browser-sessions .session-item").count() == 2
    assert page.locator("#devices .session-item").count() >= 1  # a phone's sync token
    assert scroll_width(page) <= MOBILE["width"]
    count, report = axe_violations(page)
    assert count == 0, report
    with page.expect_navigation():
        page.locator("#browser-sessions form button").nth(1).click()  # the other: newest first
    other.goto("/field/")
    assert "/login" in other.url
