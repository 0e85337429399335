"""The field officer's phone in real Chromium: cases come to the phone, open offline with no
request to the server, findings recorded offline wait in the outbox and arrive exactly once.
What the server received is counted, not only what the page shows."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from fieldcheck.clock import utcnow
from fieldcheck.db import database
from fieldcheck.models import Case, DeviceToken, FamilyMember, FieldVisit, User
from sync.store import Media
from tests import factories
from tests.browser.field_helpers import (
    cached_pages,
    enrol_phone,
    fill_visit,
    officer_with_cases,
    open_step,
    outbox,
    png_bytes,
    save_and_send,
    sync_count,
    unlock,
    wait_for_sync,
    wait_for_worker,
    wait_until,
)
from tests.browser.helpers import MOBILE, axe_violations, scroll_width

pytestmark = pytest.mark.browser


def phone(open_page, live_server, username, viewport=MOBILE):
    """A fresh phone (browser context) enrolled for the officer and the cases pulled."""
    page = open_page(locale="id-ID", viewport=viewport)
    enrol_phone(page, live_server, username)
    wait_for_worker(page)
    return page


def verification_recorded_offline(live_server, open_page, photo_seed: int):
    """A phone whose officer recorded a verification with a photo offline for their one
    case: (the officer, the case ids, the page: back on the list and still offline)."""
    (user,), cases = officer_with_cases(live_server, cases=1)
    page = phone(open_page, live_server, user)
    page.context.set_offline(True)
    page.goto(f"/field/cases/{cases[0]}")
    fill_visit(page, photo=png_bytes(seed=photo_seed))
    page.locator("#visit-form button[type=submit]").click()
    page.wait_for_url("**/field/")
    return user, cases, page


def visits_of(live_server, case_ids):
    live_server.ensure_bound()
    with live_server.app.app_context():
        return list(FieldVisit.select().where(FieldVisit.case.in_(case_ids)))


def test_cases_come_to_the_phone_and_open_offline_without_a_request(
    live_server, open_page, server_requests
):
    (user,), cases = officer_with_cases(live_server, cases=2)
    page = phone(open_page, live_server, user)
    assert sorted(cached_pages(page)) == sorted(["/field/", *(f"/field/cases/{c}" for c in cases)])
    assert page.locator("[data-on-phone]:visible").count() == 2

    page.context.set_offline(True)
    server_requests.reset()
    page.reload()
    assert page.locator(f"[data-case-id='{cases[0]}']").count() == 1
    page.locator(f"[data-case-id='{cases[0]}'] a").click()
    page.wait_for_url(f"**/field/cases/{cases[0]}")
    assert page.locator("#visit-form").is_visible()
    open_step(page, "family")  # the steps work offline too
    page.locator("#family-add").click()  # the form works offline: <template> cloning
    assert page.locator("#family-list .family-member").count() == 1
    assert server_requests.requests == []


def test_a_verification_recorded_offline_waits_in_the_outbox_then_arrives_once(
    live_server, open_page, server_requests
):
    user, cases, page = verification_recorded_offline(live_server, open_page, photo_seed=1)
    context = page.context
    page.close()

    again = context.new_page()
    again.goto("/field/")
    unlock(again)  # the app opened again: its PIN
    [item] = outbox(again)
    assert item["state"] == "pending" and item["author"] == user
    assert server_requests.count("/api/v1/sync/push") == 0

    rounds = sync_count(again)
    context.set_offline(False)
    wait_until(again, lambda: outbox(again) == [] and sync_count(again) > rounds)
    wait_until(again, lambda: len(visits_of(live_server, cases)) == 1)
    [visit] = visits_of(live_server, cases)
    with live_server.app.app_context():
        assert FamilyMember.select().where(FamilyMember.visit == visit).count() == 2
        [photo] = json.loads(visit.photos)
        wait_until(again, lambda: Media.get_or_none(Media.sha256 == photo["sha256"]) is not None)
        assert Media.get(Media.sha256 == photo["sha256"]).mime == "image/jpeg"
        assert FieldVisit.get_by_id(visit.id).status == "complete"
        assert Case.get_by_id(cases[0]).state == "registry_check"
    # Another sync round sends nothing again.
    rounds = sync_count(again)
    again.locator("#sync-now").click()
    wait_for_sync(again, rounds)
    assert len(visits_of(live_server, cases)) == 1


def photos_on_phone(page) -> list:
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open("fieldcheck");
        open.onsuccess = () => {
          const request = open.result.transaction("photos").objectStore("photos").getAllKeys();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        };
        open.onerror = () => reject(open.error);
    })""")


def test_a_captive_portals_200_does_not_take_a_photo_off_the_phone(
    live_server, open_page, server_requests
):
    """Hotel and station Wi-Fi answer 200 with their own page to anything until signed in: the
    phone keeps the photo until the server itself says it has it."""
    _, cases, page = verification_recorded_offline(live_server, open_page, photo_seed=7)
    [sha] = photos_on_phone(page)

    def portal(route):
        if route.request.method == "PUT":
            route.fulfill(status=200, content_type="text/html", body="<h1>Masuk Wi-Fi</h1>")
        else:
            route.continue_()

    page.context.route("**/api/v1/media/**", portal)
    rounds = sync_count(page)
    page.context.set_offline(False)
    wait_until(page, lambda: outbox(page) == [] and sync_count(page) > rounds)
    assert len(visits_of(live_server, cases)) == 1  # the submission itself went through
    with live_server.app.app_context():
        assert Media.get_or_none(Media.sha256 == sha) is None
    assert photos_on_phone(page) == [sha]  # still on the phone

    page.context.unroute("**/api/v1/media/**", portal)
    rounds = sync_count(page)
    page.locator("#sync-now").click()
    wait_for_sync(page, rounds)
    wait_until(page, lambda: photos_on_phone(page) == [])
    with live_server.app.app_context():
        assert Media.get(Media.sha256 == sha).mime == "image/jpeg"
        assert FieldVisit.get(FieldVisit.case == cases[0]).status == "complete"


def test_an_expired_token_waits_for_the_same_officer(live_server, open_page, server_requests):
    (first, second), cases = officer_with_cases(live_server, cases=1, officers=2)
    page = phone(open_page, live_server, first)
    page.context.set_offline(True)
    page.goto(f"/field/cases/{cases[0]}")
    fill_visit(page)
    page.locator("#visit-form button[type=submit]").click()
    page.wait_for_url("**/field/")
    with live_server.app.app_context():  # the token runs out while the phone is offline
        user = User.get(User.username == first)
        DeviceToken.update(expires_at=utcnow() - timedelta(minutes=1)).where(
            DeviceToken.user == user
        ).execute()
    page.context.set_offline(False)
    done = sync_count(page)
    page.locator("#sync-now").click()
    assert wait_for_sync(page, after=done)["needsLogin"] is True  # the item cannot go

    enrol_phone(page, live_server, second)  # the phone enrolled for someone else: it waits
    assert [i["author"] for i in outbox(page)] == [first]
    assert visits_of(live_server, cases) == []

    enrol_phone(page, live_server, first)  # enrolled again for the writing officer: it goes
    wait_until(page, lambda: outbox(page) == [], timeout=20)
    [visit] = visits_of(live_server, cases)
    with live_server.app.app_context():
        assert visit.officer.username == first


def test_a_rejection_needs_attention_and_a_mended_resend_works(live_server, open_page):
    (user,), cases = officer_with_cases(live_server, cases=1)
    page = phone(open_page, live_server, user)
    page.goto(f"/field/cases/{cases[0]}")
    fill_visit(page, family=(("mother", "Euis Sumarni"),))
    open_step(page, "family")
    page.locator("#family-list input[data-key=nik]").fill("3204124503990000")  # serial 0000
    save_and_send(page)
    page.wait_for_url("**/field/")
    wait_until(page, lambda: [i["state"] for i in outbox(page)] == ["attention"])
    page.reload()
    attention = page.locator("#attention-list li.attention-item")
    attention.wait_for()
    # "Family member 1 — NIK: The NIK is not valid.", in the officer's language (id-ID).
    assert "Anggota keluarga 1 — NIK" in attention.inner_text()
    assert visits_of(live_server, cases) == []

    attention.locator("a.button").click()
    page.wait_for_url(f"**/field/cases/{cases[0]}?mend=*")
    nik = page.locator("#family-list input[data-key=nik]")
    assert nik.input_value() == "3204124503990000"  # the rejected item, back in the form
    open_step(page, "family")
    nik.fill("3204124503990001")
    save_and_send(page)
    page.wait_for_url("**/field/")
    wait_until(page, lambda: outbox(page) == [])
    wait_until(page, lambda: len(visits_of(live_server, cases)) == 1)


def test_fifty_offline_submissions_sync_with_a_moving_progress_bar(
    live_server, open_page, server_requests
):
    (user,), cases = officer_with_cases(live_server, cases=50)
    page = phone(open_page, live_server, user)
    page.context.set_offline(True)
    items = [
        {
            "op_id": str(uuid.uuid4()),
            "record_id": str(uuid.uuid4()),
            "type": "visit.submit",
            "payload": factories.visit_payload(case_id, visited_at=datetime.now(UTC).isoformat()),
            "author": user,
            "case_id": case_id,
            "label": f"case {case_id}",
            "photos": [],
            "created_at": datetime.now(UTC).isoformat(),
        }
        for case_id in cases
    ]
    page.evaluate(
        """async (items) => {
        const core = await import("/static/js/sync-core.js");
        for (const item of items) await core.enqueue(item);
    }""",
        items,
    )
    assert len(outbox(page)) == 50
    page.context.set_offline(False)
    seen = set()
    page.locator("#sync-now").click()
    for _ in range(400):
        value = page.evaluate("""() => { const p = document.getElementById('sync-progress');
            return p.hidden ? null : [p.value, p.max]; }""")
        if value:
            seen.add(tuple(value))
        if not outbox(page):
            break
        page.wait_for_timeout(25)
    wait_until(page, lambda: outbox(page) == [])
    assert len({done for done, total in seen if total == 50 and 0 < done < 50}) >= 2, seen
    assert len(visits_of(live_server, cases)) == 50
    with live_server.app.app_context():
        assert FieldVisit.select().where(FieldVisit.case.in_(cases)).count() == 50
    assert server_requests.count("/api/v1/sync/push", method="POST") >= 5  # batches of 10


def test_sign_out_is_refused_while_anything_is_unsent(live_server, open_page, server_requests):
    (user,), cases = officer_with_cases(live_server, cases=1)
    page = phone(open_page, live_server, user)
    page.context.set_offline(True)
    page.goto(f"/field/cases/{cases[0]}")
    fill_visit(page)
    page.locator("#visit-form button[type=submit]").click()
    page.wait_for_url("**/field/")
    with live_server.app.app_context():  # keep it unsent: the token runs out meanwhile
        DeviceToken.update(expires_at=utcnow() - timedelta(minutes=1)).where(
            DeviceToken.user == User.get(User.username == user)
        ).execute()
    page.context.clear_cookies()  # and the web session too: no new token can be fetched
    page.context.set_offline(False)  # back online, but the item cannot go: it stays unsent
    messages = []
    page.on("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    server_requests.reset()
    page.locator("header form button[type=submit]").click()
    wait_until(page, lambda: messages)
    assert "1" in messages[0]
    assert server_requests.count("/logout") == 0
    assert page.url.endswith("/field/")


def test_a_returned_submission_comes_back_prefilled(live_server, open_page):
    (user,), cases = officer_with_cases(live_server, cases=1)
    page = phone(open_page, live_server, user)
    page.goto(f"/field/cases/{cases[0]}")
    fill_visit(page, assessment="Penilaian pertama.")
    page.locator("#visit-form button[type=submit]").click()
    page.wait_for_url("**/field/")
    wait_until(page, lambda: len(visits_of(live_server, cases)) == 1)
    with live_server.app.app_context():
        from fieldcheck.accounts import Actor
        from fieldcheck.cases import service
        from fieldcheck.registry import service as registry

        supervisor = User.get(User.username == "supervisor")
        actor = Actor(supervisor, utcnow(), "test")
        case = Case.get_by_id(cases[0])
        with database.atomic():
            registry.proceed_without(actor, case, "Dukcapil answers later")
            visit = FieldVisit.get(FieldVisit.case == case)
            visit.returned_comment = "Tambahkan NIK ibu."
            visit.save()
            service.move(actor, case, "return_for_correction", comment="Tambahkan NIK ibu.")
    rounds = sync_count(page)
    page.locator("#sync-now").click()
    wait_for_sync(page, rounds)
    page.goto(f"/field/cases/{cases[0]}")
    assert "Tambahkan NIK ibu." in page.locator(".returned").inner_text()
    assert page.locator("#assessment").input_value() == "Penilaian pertama."
    open_step(page, "family")
    page.locator("#family-list .family-member").nth(1).wait_for()  # drawn by the page's script
    assert page.locator("#family-list .family-member").count() == 2
    page.locator("#family-list input[data-key=nik]").first.fill("3204124503750001")
    open_step(page, "assessment")
    page.locator("#assessment").fill("Penilaian diperbaiki.")
    page.locator("#visit-form button[type=submit]").click()
    page.wait_for_url("**/field/")
    wait_until(page, lambda: len(visits_of(live_server, cases)) == 2)
    with live_server.app.app_context():
        amended = FieldVisit.get((FieldVisit.case == cases[0]) & FieldVisit.amends.is_null(False))
        assert amended.assessment == "Penilaian diperbaiki." and amended.flag is None
        assert Case.get_by_id(cases[0]).state == "registry_check"


def test_the_phone_pages_pass_axe_and_fit_360px(live_server, open_page):
    (user,), cases = officer_with_cases(live_server, cases=1)
    page = phone(open_page, live_server, user)
    for path in ("/field/", f"/field/cases/{cases[0]}"):
        page.goto(path)
        if path != "/field/":
            open_step(page, "family")
            page.locator("#family-add").click()
        count, report = axe_violations(page)
        assert count == 0, f"{path}: {report}"
        assert scroll_width(page) <= 360, path


def test_after_the_web_session_ends_a_pull_still_keeps_a_new_cases_page_offline(
    live_server, open_page, server_requests
):
    """The phone fetches the pages it keeps with its sync token, not the session cookie: a new
    case pulled after the web session has ended (timed out, signed out elsewhere) still opens
    with no network."""
    from fieldcheck import sessions
    from fieldcheck.cases import service

    (username,), cases = officer_with_cases(live_server, cases=1)
    page = phone(open_page, live_server, username)
    with live_server.app.app_context():
        user = User.get(User.username == username)
        sessions.end_all(user, at=utcnow(), reason=sessions.IDLE)
        intake = User.get(User.username == "intake")
        first = Case.get_by_id(cases[0])
        factories.bind(live_server.app)
        new = factories.case(
            office_=first.office,
            actor_user=intake,
            applicant_name="Pemohon Baru Setelah Sesi",
            application_number=f"BR-NEW-{uuid.uuid4().hex[:6]}".upper(),
        )
        with database.atomic():
            service.assign(factories.actor(intake), new, first.team)
    done = sync_count(page)
    page.locator("#sync-now").click()
    wait_for_sync(page, after=done)
    assert f"/field/cases/{new.id}" in cached_pages(page)
    assert server_requests.count(f"/field/cases/{new.id}") >= 1  # fetched, not made up

    page.context.set_offline(True)
    page.goto(f"/field/cases/{new.id}")
    assert page.locator("#visit-form").is_visible()
    assert "Pemohon Baru Setelah Sesi" in page.content()
