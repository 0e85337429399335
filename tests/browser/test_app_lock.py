"""The app lock of an enrolled phone in real Chromium: the PIN set at enrolment is asked when the
app starts and after minutes in the background; a wrong PIN is refused; five wrong PINs (or
"forgot PIN") wipe the phone's cases and token but keep the unsent outbox, which the phone sends
once it is enrolled again."""

import pytest

from fieldcheck.models import FieldVisit
from tests.browser.axe import report as axe_report
from tests.browser.axe import run_axe
from tests.browser.field_helpers import (
    PIN,
    enrol_phone,
    fill_visit,
    officer_with_cases,
    outbox,
    phone_store,
    wait_for_worker,
    wait_until,
)
from tests.browser.helpers import MOBILE

pytestmark = pytest.mark.browser

WRONG = "111222"


def locked(page) -> bool:
    return page.locator("#app-lock dialog[open]").count() == 1


def start_app(context, path="/field/"):
    """The officer opens the app again (a new tab: nothing of the last one's unlocking)."""
    page = context.new_page()
    page.goto(path)
    wait_until(page, lambda: page.evaluate("document.documentElement.dataset.lockReady === '1'"))
    return page


def try_pin(page, pin):
    page.locator("#lock-pin").fill(pin)
    page.locator("#lock-form button[type=submit]").click()


def enrolled_phone(open_page, live_server, cases=1):
    (user,), case_ids = officer_with_cases(live_server, cases=cases)
    page = open_page(viewport=MOBILE)
    enrol_phone(page, live_server, user)
    wait_for_worker(page)
    return user, case_ids, page


def test_the_app_asks_its_pin_on_start_and_refuses_a_wrong_one(open_page, live_server):
    user, cases, first = enrolled_phone(open_page, live_server)
    assert not locked(first)  # the PIN was just set: the list is open
    page = start_app(first.context)
    assert locked(page)
    violations = run_axe(page)  # every default rule and AAA contrast (7:1)
    assert not violations, axe_report(violations)

    try_pin(page, WRONG)
    message = page.locator("#lock-message")
    wait_until(page, lambda: "4" in message.inner_text())
    assert locked(page)
    page.keyboard.press("Escape")  # no way around it
    assert locked(page)

    try_pin(page, PIN)
    wait_until(page, lambda: not locked(page))
    assert page.locator(f"[data-case-id='{cases[0]}']").is_visible()
    page.goto(f"/field/cases/{cases[0]}")  # moving about the app does not ask again
    wait_until(page, lambda: page.evaluate("document.documentElement.dataset.lockReady === '1'"))
    assert not locked(page)
    # The PIN never leaves the phone: only a salted hash of it is kept.
    record = page.evaluate("JSON.parse(localStorage.getItem('fc-lock'))")
    assert record["user"] == user and PIN not in str(record) and record["failures"] == 0


def test_the_lock_comes_back_after_minutes_in_the_background(open_page, live_server):
    _, _, page = enrolled_phone(open_page, live_server)
    page.clock.install()
    background = """(state) => {
        Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
    }"""
    page.evaluate(background, "hidden")
    page.clock.fast_forward("01:00")
    page.evaluate(background, "visible")
    assert not locked(page)  # a minute away: still open
    page.evaluate(background, "hidden")
    page.clock.fast_forward("05:00")
    page.evaluate(background, "visible")
    wait_until(page, lambda: locked(page))


def test_five_wrong_pins_wipe_cases_and_token_but_the_outbox_waits_for_re_enrolment(
    open_page, live_server, server_requests
):
    user, cases, first = enrolled_phone(open_page, live_server)
    context = first.context
    context.set_offline(True)
    first.goto(f"/field/cases/{cases[0]}")
    fill_visit(first)
    first.locator("#visit-form button[type=submit]").click()
    first.wait_for_url("**/field/")
    wait_until(first, lambda: len(outbox(first)) == 1)
    first.close()

    page = start_app(context)  # offline: the kept list, under the lock
    assert locked(page)
    message = page.locator("#lock-message")
    for tried in range(1, 6):
        try_pin(page, WRONG)
        if tried < 5:  # its answer before the next: a check clears the PIN field as it ends
            wait_until(page, lambda left=5 - tried: f"{left}" in message.inner_text())
    page.locator("#lock-wiped").wait_for()
    assert "1" in page.locator("#lock-wiped p").inner_text()
    assert page.locator("main [data-case-id]").count() == 0
    assert [c for c in phone_store(page, "cases") if c["username"] == user] == []
    assert phone_store(page, "tokens") == []
    assert phone_store(page, "drafts") == []
    assert [i["author"] for i in outbox(page)] == [user]  # kept for its author
    assert page.evaluate("caches.has('fc-pages')") is False
    assert page.evaluate("localStorage.getItem('fc-lock')") is None

    # Enrolled again (a new code from the desk, a new PIN): the kept finding goes.
    context.set_offline(False)
    server_requests.reset()
    page.locator("#lock-wiped a").click()
    page.wait_for_url("**/field/enrol")
    enrol_phone(page, live_server, user, pin="739104")
    wait_until(page, lambda: outbox(page) == [], timeout=20)
    live_server.ensure_bound()
    with live_server.app.app_context():
        [visit] = FieldVisit.select().where(FieldVisit.case.in_(cases))
        assert visit.officer.username == user
    assert server_requests.count("/api/v1/sync/push", method="POST") >= 1


def test_forgot_pin_is_the_same_path(open_page, live_server):
    user, _, first = enrolled_phone(open_page, live_server)
    page = start_app(first.context)
    assert locked(page)
    page.locator("#lock-forgot").click()
    page.locator("#lock-forgot-yes").click()
    page.locator("#lock-wiped").wait_for()
    assert phone_store(page, "tokens") == []
    assert [c for c in phone_store(page, "cases") if c["username"] == user] == []
    # Without a token, the phone's pages send it to enrolment.
    page.goto("/field/")
    page.wait_for_url("**/field/enrol")
