"""Enrolling a phone in real Chromium: the supervisor's page shows a QR code and a short code;
the phone reads the QR code through its camera (Chromium's fake camera, fed a video of the code
written here) or takes the short code typed in, shows whom it enrols, sets a PIN, gets its sync
token and syncs. No password is typed on the phone."""

from pathlib import Path

import pytest
from PIL import Image

from fieldcheck.models import DeviceToken, User
from tests.browser.axe import report as axe_report
from tests.browser.axe import run_axe
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from tests.browser.field_helpers import (
    PIN,
    confirm_enrolment,
    enrol_phone,
    enrolment_code,
    officer_with_cases,
    phone_store,
    wait_for_sync,
)
from tests.browser.helpers import MOBILE, scroll_width, sign_in
from tests.helpers import qr_image

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 640, 480


def write_y4m(qr: Image.Image, path: Path, frames: int = 5) -> Path:
    """A short video of the QR code, large and centred on white, as Chromium's fake camera
    reads it: a Y4M header, then raw I420 frames (grey: the chroma planes all 128)."""
    scale = max(1, min(WIDTH, HEIGHT) * 9 // 10 // qr.width)
    code = qr.resize((qr.width * scale, qr.height * scale), Image.NEAREST)
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


def tokens_of(live_server, username) -> list[DeviceToken]:
    live_server.ensure_bound()
    with live_server.app.app_context():
        user = User.get(User.username == username)
        return list(DeviceToken.select().where(DeviceToken.user == user))


def test_the_phone_reads_the_desks_qr_code_through_its_camera_and_syncs(
    _playwright, open_page, live_server, server_requests, tmp_path
):
    (user,), cases = officer_with_cases(live_server, cases=2)
    with live_server.app.app_context():
        officer = User.get(User.username == user)
        office_name = officer.office.name
    desk = open_page()
    sign_in(desk, "supervisor")
    desk.goto(f"/phones/{officer.id}")
    desk.locator("form.enrol-make button[type=submit]").click()
    desk.locator("#enrol-code svg.enrol-qr").wait_for()
    short = desk.locator("#short-code").inner_text()
    assert desk.locator("#enrol-code .warning").is_visible()
    svg = desk.locator("#enrol-code svg.enrol-qr").evaluate("e => e.outerHTML")
    video = write_y4m(qr_image(svg, scale=1), tmp_path / "code.y4m")

    camera_browser = _playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera_browser.new_context(
            base_url=live_server.url, viewport=MOBILE, permissions=["camera"], locale="en-US"
        )
        context.set_default_timeout(TIMEOUT_MS)
        phone = context.new_page()
        server_requests.reset()
        phone.goto("/field/enrol")
        assert phone.evaluate("'jsQR' in window") is False  # loaded only when the camera starts
        phone.locator("#camera-start").click()
        phone.locator("#enrol-confirm").wait_for()
        assert phone.locator("#enrol-name").inner_text() == f"{officer.name} ({user})"
        assert phone.locator("#enrol-office").inner_text() == office_name
        if not phone.evaluate("'BarcodeDetector' in window"):
            assert phone.evaluate("'jsQR' in window")  # the vendored decoder read it
        assert scroll_width(phone) <= MOBILE["width"]
        confirm_enrolment(phone)
        report = wait_for_sync(phone)
        assert report["needsLogin"] is False and report["revoked"] is False
        assert phone.locator("[data-on-phone]:visible").count() == len(cases)
        [record] = phone_store(phone, "tokens")
        assert record["username"] == user and record["token"].startswith("fc1_")
        assert server_requests.count("/field/device-token") == 0
        assert server_requests.count("/login") == 0  # no password anywhere on the phone
        assert server_requests.count("/api/v1/sync/pull") >= 1
        [token] = tokens_of(live_server, user)
        assert token.scope == "sync" and token.revoked_at is None

        # The code was good once: the desk's short code no longer enrols anything.
        again = context.new_page()
        again.goto("/field/enrol")
        again.locator("#enrol-code").fill(short)
        again.locator("#code-form button[type=submit]").click()
        again.locator("#enrol-error").wait_for()
        assert "used already" in again.locator("#enrol-error").inner_text()
        context.close()
    finally:
        camera_browser.close()


def test_the_short_code_typed_in_enrols_the_phone(open_page, live_server, server_requests):
    (user,), cases = officer_with_cases(live_server, cases=1)
    short, _ = enrolment_code(live_server, user)
    phone = open_page(viewport=MOBILE, locale="id-ID")
    typed = short.lower().replace("-", " ")  # read out over a call, typed as heard
    report = enrol_phone(phone, live_server, user, code=typed)
    assert report["needsLogin"] is False
    assert phone.locator(f"[data-case-id='{cases[0]}'] [data-on-phone]").is_visible()
    assert [t.label for t in tokens_of(live_server, user)]
    # The list opened with the token (the service worker's): the phone has no web session.
    assert phone.evaluate("fetch('/api/v1/me').then((r) => r.status)") == 401
    assert server_requests.count("/login") == 0


def test_a_wrong_or_expired_code_is_refused_on_the_phone(open_page, live_server):
    (user,), _ = officer_with_cases(live_server, cases=1)
    phone = open_page(viewport=MOBILE)
    phone.goto("/field/enrol")
    phone.locator("#enrol-code").fill("ZZZZ-ZZZZ")
    phone.locator("#code-form button[type=submit]").click()
    phone.locator("#enrol-error").wait_for()
    assert "not right" in phone.locator("#enrol-error").inner_text()
    assert phone.locator("#enrol-confirm").is_hidden()
    assert tokens_of(live_server, user) == []


def test_an_easy_or_mistyped_pin_is_not_taken(open_page, live_server):
    (user,), _ = officer_with_cases(live_server, cases=1)
    short, _ = enrolment_code(live_server, user)
    phone = open_page(viewport=MOBILE)
    phone.goto("/field/enrol")
    phone.locator("#enrol-code").fill(short)
    phone.locator("#code-form button[type=submit]").click()
    phone.locator("#enrol-confirm").wait_for()
    for pin, again in (("123456", "123456"), ("482915", "482916"), ("12ab", "12ab")):
        phone.locator("#pin").fill(pin)
        phone.locator("#pin-again").fill(again)
        phone.locator("#pin-form button[type=submit]").click()
        phone.locator("#pin-error").wait_for()
        assert phone.locator("#pin-error").inner_text()
    assert tokens_of(live_server, user) == []
    phone.locator("#pin").fill(PIN)
    phone.locator("#pin-again").fill(PIN)
    phone.locator("#pin-form button[type=submit]").click()
    phone.wait_for_url("**/field/")
    assert len(tokens_of(live_server, user)) == 1


@pytest.mark.parametrize("locale", ["id-ID", "en-US"])
def test_the_enrolment_page_and_the_desks_code_pass_axe_at_360px(open_page, live_server, locale):
    (user,), _ = officer_with_cases(live_server, cases=1)
    phone = open_page(viewport=MOBILE, locale=locale)
    phone.goto("/field/enrol")
    phone.locator("#enrol-code").fill(enrolment_code(live_server, user)[0])
    phone.locator("#code-form button[type=submit]").click()
    phone.locator("#enrol-confirm").wait_for()
    desk = open_page(viewport=MOBILE, locale=locale)
    sign_in(desk, "supervisor")
    with live_server.app.app_context():
        officer = User.get(User.username == user)
    desk.goto(f"/phones/{officer.id}")
    desk.locator("form.enrol-make button[type=submit]").click()
    desk.locator("#short-code").wait_for()
    for page in (phone, desk):
        violations = run_axe(page)  # every default rule and AAA contrast (7:1)
        assert not violations, axe_report(violations)
        assert scroll_width(page) <= MOBILE["width"]


def test_signing_out_an_enrolled_phone_revokes_its_token_and_wipes_its_cases(
    open_page, live_server
):
    """An enrolled phone has no web session: its Sign out revokes its own token on the server
    (audited), removes its case data and token, and leaves it on the enrolment page."""
    (user,), cases = officer_with_cases(live_server, cases=1)
    phone = open_page(viewport=MOBILE, locale="en-US")
    enrol_phone(phone, live_server, user)
    assert phone_store(phone, "cases")
    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_url("**/field/enrol")
    assert phone_store(phone, "cases") == [] and phone_store(phone, "tokens") == []
    (token,) = tokens_of(live_server, user)
    assert token.revoked_at is not None
    assert "Form not accepted" not in phone.content()
