"""The phone's case list at 360 x 740, in both languages: one card per case, every control a
44 x 44 px target, nothing wider than the screen, text at 7:1, and a list that a sync updates
in place (sent cases under "Sent", returned ones at the top) with no reload."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe

from fieldcheck.clock import utcnow
from fieldcheck.db import database
from fieldcheck.models import Case, FieldVisit, User
from tests import factories
from tests.browser.field_helpers import (
    new_phone,
    officer_with_cases,
    sync_count,
    wait_for_sync,
    wait_until,
)
from tests.browser.helpers import scroll_width

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("locale", ["en-US", "id-ID"])]

# Axe with the AAA contrast rule (7:1) on: outdoor light.
_axe = Axe()
AAA = {"rules": {"color-contrast-enhanced": {"enabled": True}}}

# Every control a finger can reach: links, buttons, fields, disclosure summaries.
CONTROLS = """() => {
  const found = [];
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const element of document.querySelectorAll(selector)) {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (!box.width || !box.height || style.visibility === "hidden") continue;
    if (box.right <= 0 || box.left >= innerWidth) continue;  // off-screen (the skip link)
    found.push({ what: `${element.tagName} ${(element.id || element.textContent).trim()}`,
                 width: box.width, height: box.height });
  }
  return found;
}"""


def set_case(live_server, case_id, **values):
    with live_server.app.app_context():
        Case.update(**values).where(Case.id == case_id).execute()


def test_every_visible_control_of_the_list_is_at_least_44_by_44(live_server, open_page, locale):
    (user,), cases = officer_with_cases(live_server, cases=2)
    set_case(live_server, cases[0], due_date=datetime.now(UTC).date() - timedelta(days=3))
    page = new_phone(open_page, live_server, user, locale)
    controls = page.evaluate(CONTROLS)
    assert len(controls) >= 8  # brand, menu, sign-out, sync, two cards, languages...
    small = [c for c in controls if c["width"] < 44 or c["height"] < 44]
    assert small == []


def test_the_list_fits_360px_and_its_text_has_7_to_1_contrast(live_server, open_page, locale):
    (user,), cases = officer_with_cases(live_server, cases=2)
    # A name typed with no space to break at must not push the page sideways.
    set_case(
        live_server,
        cases[1],
        applicant_name="MuhammadRizkyPratamaKusumawardhanaSetiabudiNugroho",
        due_date=datetime.now(UTC).date() - timedelta(days=1),
    )
    page = new_phone(open_page, live_server, user, locale)
    assert page.locator("#case-list > li").count() == 2
    assert scroll_width(page) <= 360
    results = _axe.run(page, options=AAA)
    assert results.violations_count == 0, results.generate_report()


def visit_item(user, case_id, label):
    """A verification as the form writes it to the outbox (field-form.js)."""
    return {
        "op_id": str(uuid.uuid4()),
        "record_id": str(uuid.uuid4()),
        "type": "visit.submit",
        "payload": factories.visit_payload(case_id, visited_at=datetime.now(UTC).isoformat()),
        "author": user,
        "case_id": case_id,
        "label": label,
        "photos": [],
        "created_at": datetime.now(UTC).isoformat(),
    }


def card_ids(page) -> list[str]:
    return page.locator("#case-list > li").evaluate_all("items => items.map(i => i.dataset.caseId)")


def sync(page):
    rounds = sync_count(page)
    page.locator("#sync-now").click()
    return wait_for_sync(page, rounds)


def test_after_a_sync_the_list_updates_without_a_reload(live_server, open_page, locale):
    (user,), (sent, other) = officer_with_cases(live_server, cases=2)
    today = datetime.now(UTC).date()
    set_case(live_server, sent, due_date=today + timedelta(days=9))
    set_case(live_server, other, due_date=today + timedelta(days=2))
    page = new_phone(open_page, live_server, user, locale)
    assert card_ids(page) == [str(other), str(sent)]  # soonest due first
    page.evaluate("window.fcSamePage = true")  # gone if the page were loaded again

    label = f"Pemohon terkirim {uuid.uuid4().hex[:4]}"
    page.evaluate(
        """async (item) => {
        const core = await import("/static/js/sync-core.js");
        await core.enqueue(item);
    }""",
        visit_item(user, sent, label),
    )
    report = sync(page)
    assert report["sent"] == 1
    wait_until(page, lambda: card_ids(page) == [str(other)])
    assert label in page.locator("#sent-list").inner_text()
    assert page.locator("#sent-empty").is_hidden()

    with live_server.app.app_context():  # the supervisor returns it for correction
        from fieldcheck.accounts import Actor
        from fieldcheck.cases import service
        from fieldcheck.registry import service as registry

        actor = Actor(User.get(User.username == "supervisor"), utcnow(), "test")
        with database.atomic():
            registry.proceed_without(actor, Case.get_by_id(sent), "Dukcapil answers later")
            visit = FieldVisit.get(FieldVisit.case == sent)
            visit.returned_comment = "Tambahkan NIK ibu."
            visit.save()
            service.move(actor, Case.get_by_id(sent), "return_for_correction", comment="NIK")
    sync(page)
    wait_until(page, lambda: card_ids(page) == [str(sent), str(other)])  # returned: on top
    returned = page.locator(f"#case-list [data-case-id='{sent}']")
    assert returned.get_attribute("data-state") == "returned"
    assert returned.locator("[data-on-phone]").is_visible()
    assert returned.locator("[data-not-on-phone]").is_hidden()
    assert page.evaluate("window.fcSamePage") is True
