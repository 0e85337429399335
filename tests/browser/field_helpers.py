"""Helpers for the phone's browser tests: an officer of a team of their own with assigned cases,
and waiting for the phone's sync rounds."""

import json
import time
import uuid

from fieldcheck import accounts
from fieldcheck.cases import service
from fieldcheck.clock import utcnow
from fieldcheck.db import database
from fieldcheck.models import Office, User
from tests import factories
from tests.browser.helpers import MOBILE


def officer_with_cases(live_server, cases=2, officers=1):
    """A new team in the demo office, its officers, and `cases` cases assigned to it."""
    suffix = uuid.uuid4().hex[:6]
    live_server.ensure_bound()
    with live_server.app.app_context():
        office = Office.get(Office.code == "KANIM-BDG")
        intake = User.get(User.username == "intake")
        actor = accounts.Actor(intake, utcnow(), "test")
        with database.atomic():
            team = accounts.save_team(
                actor, None, office=office, name=f"Timpora {suffix}", district_code="32.04"
            )
        names = []
        for i in range(officers):
            username = f"fo{i}_{suffix}"
            live_server.create_user(username, "field", team=team.name)
            names.append(username)
        factories.bind(live_server.app)
        made = []
        for i in range(cases):
            case = factories.case(
                office_=office,
                actor_user=intake,
                applicant_name=f"Pemohon {suffix} {i}",
                application_number=f"BR-{suffix}-{i:03d}".upper(),
            )
            with database.atomic():
                service.assign(actor, case, team)
            made.append(case.id)
    return names, made


def new_phone(open_page, live_server, username, locale="id-ID", at=None, **options):
    """A fresh 360 x 740 phone (browser context) enrolled for the officer with a one-time code,
    the cases pulled and its service worker in control; with `at`, the page's clock is
    Playwright's, starting then."""
    page = open_page(locale=locale, viewport=options.pop("viewport", MOBILE), **options)
    if at is not None:
        page.clock.install(time=at)
    enrol_phone(page, live_server, username)
    wait_for_worker(page)
    return page


def wait_for_sync(page, after: int = 0, timeout=15.0) -> dict:
    """Wait for the phone's sync round number `after + 1` (or later) and return its report.

    (Polled from here: the page's CSP forbids the eval that wait_for_function would need.)
    """
    wait_until(page, lambda: sync_count(page) > after, timeout)
    return json.loads(page.evaluate("document.documentElement.dataset.syncResult"))


def wait_until(page, condition, timeout=15.0, step_ms=100):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the phone")
        page.wait_for_timeout(step_ms)


def sync_count(page) -> int:
    return int(page.evaluate("Number(document.documentElement.dataset.syncCount || 0)"))


def outbox(page) -> list:
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open("fieldcheck");
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("outbox")) { resolve([]); return; }
          const request = db.transaction("outbox").objectStore("outbox").getAll();
          request.onsuccess = () => resolve(request.result.map(i => ({
            op_id: i.op_id, state: i.state, author: i.author, type: i.type,
            reason: i.reason || null, case_id: i.case_id})));
          request.onerror = () => reject(request.error);
        };
        open.onerror = () => reject(open.error);
    })""")


def cached_pages(page) -> list:
    return page.evaluate("""async () => {
        const cache = await caches.open("fc-pages");
        return (await cache.keys()).map(r => new URL(r.url).pathname);
    }""")


def wait_for_worker(page, timeout=15.0):
    """The service worker controls the page (it claims pages when it activates)."""
    wait_until(page, lambda: page.evaluate("Boolean(navigator.serviceWorker.controller)"), timeout)


def png_bytes(width=40, height=30, seed=0) -> bytes:
    """A small real PNG (no imaging library needed): the phone resizes it to a JPEG."""
    import struct
    import zlib

    rows = b"".join(
        b"\x00" + b"".join(bytes(((x * 7 + seed) % 256, (y * 5) % 256, 120)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# The form's steps, in order (templates/field/case.html): one shows at a time.
STEPS = ("household", "family", "interview", "place", "assessment")


def current_step(page) -> str:
    """The step shown, once the form's script has started (it hides the others)."""
    page.locator("#visit-form[data-ready=true]").wait_for(state="attached")
    return page.locator("#visit-form .form-step:visible").get_attribute("data-step")


def open_step(page, name: str):
    """Walk the form to a step with its own Next and Back buttons, as an officer would."""
    while (here := current_step(page)) != name:
        forward = STEPS.index(name) > STEPS.index(here)
        page.locator(f"#step-{here} .step-{'next' if forward else 'back'}").click()
        moved_to = STEPS[STEPS.index(here) + (1 if forward else -1)]
        page.locator(f"#step-{moved_to}").wait_for()


def save_and_send(page):
    """The last step's "Save and send"."""
    open_step(page, "assessment")
    page.locator("#visit-form button[type=submit]").click()


def fill_visit(
    page,
    *,
    family=(("mother", "Euis Sumarni"), ("father", "Ujang Suryana")),
    photo: bytes | None = None,
    assessment="Keluarga tidak tahu tujuan sebenarnya.",
):
    """Fill the field verification form step by step as an officer would (phone-sized or not),
    ending on the last step, where "Save and send" is."""
    open_step(page, "household")
    page.locator("#household-address_found-yes").check()
    page.locator("#household-met_name").fill("Ibu Euis")
    page.locator("#household-met_relation").select_option("mother")
    page.locator("#household-aware_of_trip-no").check()
    page.locator("#household-account").fill("Ibu mengira anaknya bekerja di Jakarta.")
    open_step(page, "family")
    for relation, name in family:
        page.locator("#family-add").click()
        member = page.locator("#family-list .family-member").last
        member.locator("select[data-key=relation]").select_option(relation)
        member.locator("input[data-key=name]").fill(name)
    open_step(page, "interview")
    page.locator("#interview-purpose").select_option("work")
    page.locator("#interview-job_offer_channel").select_option("social_media")
    page.locator("#interview-recruiter_phone").fill("+85512345678")
    open_step(page, "place")
    if photo is not None:
        page.locator("#photo-input").set_input_files(
            files=[{"name": "rumah.png", "mimeType": "image/png", "buffer": photo}]
        )
        page.locator("#photo-list li").first.wait_for()
    open_step(page, "assessment")
    page.locator("#assessment").fill(assessment)
    page.locator("input[name=recommendation][value=refuse]").check()


# -- phone enrolment (issue 15) ------------------------------------------------------------------

PIN = "482915"


def enrolment_code(live_server, username, by="supervisor") -> tuple[str, str]:
    """A one-time code for the officer's phone, made as the desk makes it (by the demo office's
    supervisor): (the short code as shown, the QR code's text)."""
    from fieldcheck import enrolment
    from fieldcheck.domain import enrolment as rules

    live_server.ensure_bound()
    with live_server.app.app_context():
        desk = User.get(User.username == by)
        officer = User.get(User.username == username)
        code, _ = enrolment.make_code(accounts.Actor(desk, utcnow(), "test"), officer)
    return rules.grouped(code), rules.enrolment_link(f"{live_server.url}/field/enrol", code)


def enrol_phone(page, live_server, username, pin=PIN, code=None):
    """Enrol the phone as an officer does with a short code read out by the supervisor: the
    PIN set, the token stored, the phone on its list; wait for its first sync."""
    code = code or enrolment_code(live_server, username)[0]
    page.goto("/field/enrol")
    page.locator("#enrol-code").fill(code)
    page.locator("#code-form button[type=submit]").click()
    confirm_enrolment(page, pin)
    return wait_for_sync(page)


def confirm_enrolment(page, pin=PIN):
    """On the enrolment page showing whom the code enrols: set the PIN and go to the list."""
    page.locator("#enrol-confirm").wait_for()
    page.locator("#pin").fill(pin)
    page.locator("#pin-again").fill(pin)
    page.locator("#pin-form button[type=submit]").click()
    page.wait_for_url("**/field/")


def phone_store(page, store: str) -> list:
    """Every record of one of the phone's IndexedDB stores."""
    return page.evaluate(
        """(name) => new Promise((resolve, reject) => {
        const open = indexedDB.open("fieldcheck");
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains(name)) { resolve([]); return; }
          const request = db.transaction(name).objectStore(name).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        };
        open.onerror = () => reject(open.error);
    })""",
        store,
    )


def unlock(page, pin=PIN):
    """The officer opened the app again (a new tab): type the PIN when the app lock asks."""
    wait_until(page, lambda: page.evaluate("document.documentElement.dataset.lockReady === '1'"))
    if page.locator("#app-lock dialog[open]").count():
        page.locator("#lock-pin").fill(pin)
        page.locator("#lock-form button[type=submit]").click()
        wait_until(page, lambda: page.locator("#app-lock dialog[open]").count() == 0)
