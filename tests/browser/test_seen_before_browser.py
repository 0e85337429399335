"""Seen before (issue 16) in real Chromium: headquarters puts a person on the prevention list,
intake refers that person's application and is told only to hold it, and the hit is at once on
the supervisor's start page; every new page passes axe-core (tests/browser/axe.py: the default
rules and AAA contrast) in both languages and fits a 360-pixel phone."""

import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from fieldcheck import accounts
from fieldcheck.cases import service as cases
from fieldcheck.clock import utcnow
from fieldcheck.db import database
from fieldcheck.domain.identity import encode_nik
from fieldcheck.models import Case, Office, PreventionEntry, PreventionHit, RepatriatedVictim, User
from tests.browser.axe import report, run_axe
from tests.browser.helpers import MOBILE, scroll_width, sign_in

pytestmark = pytest.mark.browser

REASON = "Diduga kurir sindikat penipuan daring; laporan Polda Jabar."


def fresh_applicant(seed: int) -> tuple[str, date]:
    born = date(1995, 1, 1) + timedelta(days=seed % 3000)
    return encode_nik("32.04.12", "F", born, 1 + seed % 9000), born


def test_a_prevention_hit_shows_at_once_on_the_supervisors_start_page(open_page, live_server):
    seed = uuid.uuid4().int
    nik, born = fresh_applicant(seed)
    number = f"HIT-{uuid.uuid4().hex[:8].upper()}"

    hq = open_page(locale="en-US")
    sign_in(hq, "hqadmin")
    hq.goto("/prevention/new")
    hq.locator("#name").fill("Rina Marlina")
    hq.locator("#nik").fill(nik)
    hq.locator("#authority").fill("Polda Jawa Barat")
    hq.locator("#letter_number").fill(f"B/{seed % 1000}/XI/2026")
    hq.locator("#reason").fill(REASON)
    today = utcnow_date(live_server)
    hq.locator("#valid_from").fill((today - timedelta(days=1)).isoformat())
    hq.locator("#valid_until").fill((today + timedelta(days=90)).isoformat())
    with hq.expect_navigation():
        hq.locator("main form.card button[type=submit]").click()
    expect(hq.locator("#prevention-entries")).to_contain_text(nik)

    desk = open_page(locale="en-US")
    sign_in(desk, "intake")
    desk.goto("/cases/new")
    desk.locator("#applicant_name").fill("Rina Marlina")
    desk.locator("#nik").fill(nik)
    desk.locator("#sex-0").check()
    desk.locator("#birth_date").fill(born.isoformat())
    desk.locator("#application_number").fill(number)
    desk.locator("#purpose").select_option("work")
    desk.locator("#destination_country").select_option("KH")
    desk.locator("#visa_type").select_option("visit")
    desk.locator("#referral_reasons-0").check()
    with desk.expect_navigation():
        desk.locator("form.case-form button[type=submit]").click()
    expect(desk.locator("#case-hold")).to_contain_text("Hold: refer to the supervisor.")
    assert REASON not in desk.locator("main").inner_text()
    assert "Polda Jawa Barat" not in desk.locator("main").inner_text()

    boss = open_page(locale="en-US")
    sign_in(boss, "supervisor")
    hits = boss.locator("#prevention-hits")
    expect(hits).to_contain_text(number)
    expect(hits).to_contain_text("Polda Jawa Barat")
    violations = run_axe(boss)
    assert violations == [], report(violations, "start page with a hit: ")
    with boss.expect_navigation():
        hits.get_by_role("link", name=number, exact=False).click()
    expect(boss.locator("#hit-entry")).to_contain_text(REASON)


def utcnow_date(live_server) -> date:
    with live_server.app.app_context():
        return utcnow().date()


@pytest.fixture
def seen_elsewhere_case(live_server):
    """A case of the demo office whose applicant was referred in another office first."""
    with live_server.app.app_context(), database.atomic():
        actor = accounts.Actor(None, utcnow(), "test")
        other = Office.get_or_none(Office.code == "KANIM-CBN") or accounts.create_office(
            actor,
            code="KANIM-CBN",
            name="Kantor Imigrasi Cirebon",
            time_zone="WIB",
            region_codes=["32.05"],
        )
        here = Office.get(Office.code == "KANIM-BDG")
        nik, born = fresh_applicant(uuid.uuid4().int)
        data = {
            "application_date": utcnow().date(),
            "applicant_name": "Yuyun Wahyuni",
            "nik": nik,
            "sex": "F",
            "birth_date": born,
            "marital_status": "single",
            "purpose": "work",
            "destination_country": "KH",
            "visa_type": "visit",
            "documents": ["ktp"],
            "referral_reasons": ["doubtful_purpose"],
        }
        intake = accounts.Actor(User.get(User.username == "intake"), utcnow(), "test")
        cases.create_case(actor, other, {**data, "application_number": f"CBN-{nik[-6:]}"})
        made = cases.create_case(intake, here, {**data, "application_number": f"BDG-{nik[-6:]}"})
        return made.id


def pages(live_server, case_id) -> list[tuple[str, str, str]]:
    """(who, path, what) of every page issue 16 adds or changes."""
    with live_server.app.app_context():
        entry = PreventionEntry.select().where(PreventionEntry.removed_at.is_null()).first()
        hit = PreventionHit.select().first()
        record = RepatriatedVictim.select().where(RepatriatedVictim.case.is_null(False)).first()
        held = Case.get_by_id(hit.case_id)
    return [
        ("hqadmin", "/", "headquarters' start page"),
        ("hqadmin", "/prevention/", "the prevention list"),
        ("hqadmin", "/prevention/new", "a new entry"),
        ("hqadmin", f"/prevention/{entry.id}", "an entry"),
        ("hqadmin", "/prevention/import", "loading entries"),
        ("hqadmin", "/repatriation/loads", "the files loaded"),
        ("hqadmin", "/repatriation/load", "loading victims' records"),
        ("supervisor", "/", "the supervisor's start page"),
        ("supervisor", f"/prevention/hits/{hit.id}", "a hit"),
        ("supervisor", "/review/", "the review queue"),
        ("supervisor", "/repatriation/", "the office's victims"),
        ("supervisor", f"/repatriation/{record.id}", "a victim's record"),
        ("supervisor", f"/cases/{case_id}", "a case seen in another office"),
        ("supervisor", f"/review/cases/{held.id}", "a case on hold, reviewed"),
        ("intake", f"/cases/{held.id}", "a case on hold"),
    ]


@pytest.mark.parametrize("viewport", [MOBILE], ids=["360x740"])
@pytest.mark.parametrize("locale", ["en-US", "id-ID"])
def test_the_new_pages_pass_axe_and_fit_a_phone(
    open_page, live_server, seen_elsewhere_case, locale, viewport
):
    signed_in = {}
    for who, path, what in pages(live_server, seen_elsewhere_case):
        if who not in signed_in:
            signed_in[who] = open_page(locale=locale, viewport=viewport)
            sign_in(signed_in[who], who)
        page = signed_in[who]
        response = page.goto(path)
        assert response.status == 200, (who, path)
        assert page.evaluate("document.documentElement.lang") == locale[:2], path
        violations = run_axe(page)
        assert violations == [], report(violations, f"{what} ({path}): ")
        assert scroll_width(page) <= 360, f"{what} ({path}) scrolls sideways"
    case_page = signed_in["supervisor"]
    case_page.goto(f"/cases/{seen_elsewhere_case}")
    expect(case_page.locator("#seen-elsewhere")).to_contain_text("Kantor Imigrasi Cirebon")
