"""The phone's status you can trust, at 360 x 740 in both languages: "Last sync" moves only when
a pull succeeded, the phone says when it is offline, a revoked phone loses its case data but not
its unsent findings, case data leaves 14 days after the last successful sync (Playwright's
clock), and the form's GPS control says whether the location was granted, refused or timed out."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from fieldcheck.accounts import Actor
from fieldcheck.clock import utcnow
from fieldcheck.devices import revoke_token
from fieldcheck.models import DeviceToken, User
from tests import factories
from tests.browser.field_helpers import (
    cached_pages,
    new_phone,
    officer_with_cases,
    outbox,
    sync_count,
    wait_for_sync,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("locale", ["en-US", "id-ID"])]

# "Dec 4, 2026, 9:05 PM WIB" / "4 Des 2026 21.05 WIB": as the pages write a moment.
MOMENT = {
    "en-US": re.compile(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M WIB"),
    "id-ID": re.compile(r"\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}\.\d{2} WIB"),
}
DAY = timedelta(days=1)


def sync(page):
    rounds = sync_count(page)
    page.locator("#sync-now").click()
    return wait_for_sync(page, rounds)


def started(page):
    """The page's app has started (service worker, purge, first render)."""
    page.evaluate("import('/static/js/field-app.js').then((app) => app.ready)")


def stored(page, store: str) -> list:
    """Everything in one store of the phone's own database."""
    return page.evaluate(
        """(store) => new Promise((resolve, reject) => {
        const open = indexedDB.open("fieldcheck");
        open.onsuccess = () => {
          const request = open.result.transaction(store).objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        };
        open.onerror = () => reject(open.error);
    })""",
        store,
    )


def last_sync(page, user):
    return next((m["value"] for m in stored(page, "meta") if m["key"] == f"{user}:last_sync"), None)


def queue_finding(page, user, case_id):
    """An unsent verification in the outbox, as the form leaves it (field-form.js)."""
    item = {
        "op_id": str(uuid.uuid4()),
        "record_id": str(uuid.uuid4()),
        "type": "visit.submit",
        "payload": factories.visit_payload(case_id, visited_at=datetime.now(UTC).isoformat()),
        "author": user,
        "case_id": case_id,
        "label": "Temuan belum terkirim",
        "photos": [],
        "created_at": datetime.now(UTC).isoformat(),
    }
    page.evaluate(
        """async (item) => {
        const core = await import("/static/js/sync-core.js");
        await core.enqueue(item);
    }""",
        item,
    )


def test_last_sync_stays_put_after_an_offline_sync_with_nothing_to_send(
    live_server, open_page, locale
):
    (user,), _ = officer_with_cases(live_server, cases=1)
    page = new_phone(open_page, live_server, user, locale)
    before, shown = last_sync(page, user), page.locator("#sync-last").inner_text()
    assert before and MOMENT[locale].search(shown), shown
    page.wait_for_timeout(1100)  # a later "now" would show another second

    page.context.set_offline(True)
    report = sync(page)
    assert report["offline"] is True
    assert last_sync(page, user) == before
    assert page.locator("#sync-last").inner_text() == shown


def test_the_phone_says_when_it_is_offline(live_server, open_page, locale):
    (user,), _ = officer_with_cases(live_server, cases=1)
    page = new_phone(open_page, live_server, user, locale)
    notice = page.locator("#offline-notice")
    assert notice.is_hidden()

    page.context.set_offline(True)  # the "offline" event
    notice.wait_for(state="visible")
    page.reload()  # opened with no network: said at once, before any "Sync now"
    started(page)
    assert notice.is_visible() and notice.inner_text().strip()
    page.context.set_offline(False)  # the "online" event
    notice.wait_for(state="hidden")


def test_storage_is_said_in_plain_words_with_one_thing_to_do(live_server, open_page, locale):
    """How much the phone holds and whether it may lose it, at the foot of the list where its
    appearing moves nothing; "Keep the data on this phone" asks the browser to keep it."""
    (user,), _ = officer_with_cases(live_server, cases=1)
    page = new_phone(open_page, live_server, user, locale)
    box, keep = page.locator("#storage"), page.locator("#storage-keep")
    box.wait_for(state="visible")
    used = re.escape(script_text(page, "storage_used")).replace(r"%\(used\)s", r"[\d.,]+ MB")
    at_risk, kept = script_text(page, "storage_at_risk"), script_text(page, "storage_kept")
    assert re.fullmatch(f"{used} {re.escape(at_risk)}", page.locator("#storage-info").inner_text())
    assert keep.is_visible() and keep.bounding_box()["height"] >= 44
    below = page.locator("#sent").bounding_box()  # after the lists, not above them
    assert box.bounding_box()["y"] > below["y"]

    keep.click()  # the browser grants it, or says no: either way the phone says which
    refused, message = script_text(page, "storage_refused"), page.locator("#storage-message")
    wait_until(page, lambda: keep.is_hidden() or message.is_visible())
    if keep.is_hidden():
        assert page.locator("#storage-info").inner_text().endswith(kept)
    else:
        assert message.inner_text() == refused


def test_a_revoked_phone_loses_its_case_data_but_keeps_unsent_findings(
    live_server, open_page, locale
):
    (user,), cases = officer_with_cases(live_server, cases=2)
    page = new_phone(open_page, live_server, user, locale)
    assert len(stored(page, "cases")) == 2
    page.context.set_offline(True)
    queue_finding(page, user, cases[0])
    with live_server.app.app_context():  # the phone is reported lost: its token is revoked
        officer = User.get(User.username == user)
        supervisor = User.get(User.username == "supervisor")
        for token in DeviceToken.select().where(DeviceToken.user == officer):
            revoke_token(Actor(supervisor, utcnow(), "test"), token)
    page.context.clear_cookies()  # and whoever holds it has no web session either

    rounds = sync_count(page)
    page.context.set_offline(False)  # its next contact
    report = wait_for_sync(page, rounds)
    assert report["revoked"] is True
    assert stored(page, "cases") == []
    assert cached_pages(page) == []
    assert page.locator("#case-list > li").count() == 0  # gone from the screen too
    assert page.locator("#sync-message").is_visible()
    assert [i["case_id"] for i in outbox(page)] == [cases[0]]  # the officer's work stays


def test_an_unchanged_case_of_a_phone_that_syncs_stays_past_14_days(live_server, open_page, locale):
    (user,), cases = officer_with_cases(live_server, cases=1)
    start = datetime.now(UTC)
    page = new_phone(open_page, live_server, user, locale, at=start)
    page.clock.set_system_time(start + 10 * DAY)
    report = sync(page)  # nothing changed: the pull brings nothing, but it succeeded
    assert report.get("pulled", 0) == 0 and not report["offline"]

    page.clock.set_system_time(start + 20 * DAY)  # 20 days after the pull, 10 after the sync
    page.context.set_offline(True)
    page.reload()
    started(page)
    assert [c["id"] for c in stored(page, "cases")] == cases
    assert page.locator(f"#case-list [data-case-id='{cases[0]}']").is_visible()


def test_a_phone_that_has_not_synced_for_14_days_loses_its_cases(live_server, open_page, locale):
    (user,), cases = officer_with_cases(live_server, cases=2)
    start = datetime.now(UTC)
    page = new_phone(open_page, live_server, user, locale, at=start)
    page.context.set_offline(True)
    queue_finding(page, user, cases[0])
    page.clock.set_system_time(start + 13 * DAY)
    page.reload()
    started(page)
    assert len(stored(page, "cases")) == 2  # 13 days: still there

    page.clock.set_system_time(start + 15 * DAY)
    page.reload()
    started(page)
    assert stored(page, "cases") == []
    assert "/field/" not in cached_pages(page)  # the list page names them too
    assert page.locator("#case-list > li").count() == 0
    assert page.locator("#sync-message").is_visible()
    assert [i["case_id"] for i in outbox(page)] == [cases[0]]  # unsent findings stay


# -- GPS: the form's control says each state --------------------------------------------------


def record_location(page, case_id) -> tuple[str, str]:
    """Tap "Record the location" on the form (wherever its step puts it) and wait for the
    answer: (the status the form keeps, what the control says)."""
    page.goto(f"/field/cases/{case_id}")
    page.locator("#visit-form[data-ready=true]").wait_for(state="attached")  # its script listens
    state = page.locator("#gps-state")
    first = state.text_content()
    page.locator("#gps-button").dispatch_event("click")
    wait_until(page, lambda: state.text_content() != first and not busy(page))
    return page.locator("input[name='gps.status']").input_value(), state.text_content()


def busy(page) -> bool:
    texts = page.evaluate("JSON.parse(document.getElementById('fc-texts').textContent)")
    return page.locator("#gps-state").text_content() == texts["gps_getting"]


def script_text(page, name, **params) -> str:
    texts = page.evaluate("JSON.parse(document.getElementById('fc-texts').textContent)")
    text = texts[name]
    for key, value in params.items():
        text = text.replace(f"%({key})s", str(value))
    return text


def test_gps_granted_records_the_location(live_server, open_page, locale):
    (user,), cases = officer_with_cases(live_server, cases=1)
    page = new_phone(open_page, live_server, user, locale)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": -7.0051, "longitude": 107.5619, "accuracy": 12})
    status, said = record_location(page, cases[0])
    assert status == "fixed"
    assert said == script_text(page, "gps_fixed", m=12)
    assert page.locator("input[name='gps.lat']").input_value().startswith("-7.005")


def test_gps_denied_says_the_visit_is_recorded_without_it(live_server, open_page, locale):
    (user,), cases = officer_with_cases(live_server, cases=1)
    page = new_phone(open_page, live_server, user, locale)
    page.context.clear_permissions()  # the officer said no
    status, said = record_location(page, cases[0])
    assert status == "denied"
    assert said == script_text(page, "gps_denied")


# The phone's GPS finds no satellite: the browser answers TIMEOUT when the form's time is up.
NO_FIX = """
Object.defineProperty(navigator, "geolocation", { value: {
  getCurrentPosition(success, failure, options) {
    setTimeout(() => failure({ code: 3, PERMISSION_DENIED: 1, POSITION_UNAVAILABLE: 2,
                               TIMEOUT: 3, message: "Timeout expired" }),
               (options && options.timeout) || 0);
  },
  watchPosition() { return 0; },
  clearWatch() {},
}});
"""


def test_gps_timed_out_says_no_location_was_found(live_server, open_page, locale):
    (user,), cases = officer_with_cases(live_server, cases=1)
    page = new_phone(open_page, live_server, user, locale, at=datetime.now(UTC))
    page.context.add_init_script(NO_FIX)
    page.goto(f"/field/cases/{cases[0]}")
    state, asking = page.locator("#gps-state"), script_text(page, "gps_getting")

    def tapped():  # (the form's script may still be starting: tap again until it asks)
        page.locator("#gps-button").dispatch_event("click")
        return state.text_content() == asking

    wait_until(page, tapped)
    page.clock.run_for(60_000)  # the form's own time-out passes
    wait_until(page, lambda: not busy(page))
    assert page.locator("input[name='gps.status']").input_value() == "unavailable"
    assert state.text_content() == script_text(page, "gps_unavailable")
