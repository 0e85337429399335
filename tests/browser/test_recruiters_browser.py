"""The supervisor sees on a demo case that its recruiter appears in other cases, follows the
link to the recruiter's page, and finds the network drawn and the same facts in its table; the
recruiter's page and the analyst's list pass axe-core (tests/browser/axe.py, with AAA contrast)
on a 360 px phone and at a desk, with no sideways scroll."""

import pytest

from fieldcheck.models import Case
from tests.browser.axe import report, run_axe
from tests.browser.helpers import DESKTOP, MOBILE, scroll_width, sign_in

pytestmark = pytest.mark.browser


def demo_case_id(live_server, applicant: str) -> int:
    with live_server.app.app_context():
        return Case.get(Case.applicant_name == applicant).id


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desk", "360px"])
def test_the_supervisor_follows_a_cases_recruiter_to_the_network_and_its_table(
    page, live_server, viewport
):
    sign_in(page, "supervisor")
    # Siti Nurhaliza's recruiter, "Ibu Rina", is the demo's Bu Rina written another way.
    page.goto(f"/cases/{demo_case_id(live_server, 'Siti Nurhaliza')}")
    ties = page.locator("#case-recruiters .recruiter-ties").inner_text()
    assert ties.startswith("This recruiter appears in ") and "(1 refused)" in ties
    assert "Recruiter tied to refused cases" in page.locator(".signals").inner_text()
    with page.expect_navigation():
        page.locator("#case-recruiters a").first.click()
    assert page.locator("h1").inner_text() == "Bu Rina"
    drawing = page.locator("svg.network-drawing")
    assert drawing.is_visible() and drawing.bounding_box()["width"] <= viewport["width"]
    drawn = drawing.locator("g.network-node text").all_text_contents()
    table = page.locator("#network-table td").all_inner_texts()
    assert "+85512345678" in drawn and "+85512345678" in table
    assert "rina.kerja.kh" in drawn and "rina.kerja.kh" in table
    # The demo names Bu Rina in four cases (other browser tests push visits naming her too).
    assert page.locator("#recruiter-cases tr.own-case").count() >= 4
    assert scroll_width(page) <= viewport["width"]
    assert report(run_axe(page), "recruiter page: ") == ""
    # A case in the drawing opens its page (the reader's own office's).
    with page.expect_navigation():
        drawing.locator("a").filter(has=page.locator("g.node-case")).first.click()
    assert page.url.split("/cases/")[1].isdigit()


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desk", "360px"])
def test_the_analysts_list_and_recruiter_page_pass_axe(page, viewport):
    sign_in(page, "analyst")
    page.goto("/recruiters/")
    rows = page.locator("#recruiter-list tbody tr")
    assert rows.count() >= 3
    assert scroll_width(page) <= viewport["width"]
    assert report(run_axe(page), "recruiter list: ") == ""
    with page.expect_navigation():
        rows.first.locator("a").click()
    assert page.locator("#recruiter-cases tr.own-case").count() == 0  # no office: no applicant
    assert scroll_width(page) <= viewport["width"]
    assert report(run_axe(page), "analyst's recruiter page: ") == ""
    response = page.goto(f"/cases/{1}")
    assert response.status == 403
