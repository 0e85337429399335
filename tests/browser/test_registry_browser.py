"""The registry clerk answers a case's questions in English; the case page then shows the
mismatch as a finding and its fired risk signal. axe-core on the queue and the case page."""

import pytest

from fieldcheck.models import RegistryQuestion
from tests.browser.field_helpers import officer_with_cases
from tests.browser.helpers import axe_violations, sign_in

pytestmark = pytest.mark.browser


def test_clerk_answers_and_the_case_shows_the_mismatch_and_its_signal(live_server, open_page):
    _, (case_id,) = officer_with_cases(live_server, cases=1)
    with live_server.app.app_context():
        from fieldcheck.models import Case

        number = Case.get_by_id(case_id).application_number
        questions = list(RegistryQuestion.select().where(RegistryQuestion.case == case_id))
    assert questions, "intake asks the registry about the applicant"
    clerk = open_page(locale="en-US")
    sign_in(clerk, "registry")
    clerk.goto(f"/registry/?case={number}")
    count, report = axe_violations(clerk)
    assert count == 0, report
    first = questions[0]
    card = clerk.locator(f"#question-{first.id}")
    card.locator("input[name=answer][value=mismatch]").check()
    card.locator("input[name=registry_value]").fill("Born 12 May 1998, not 5 March 1999")
    card.locator("button", has_text="Save the answer").click()
    # htmx swaps the answered question in place: no page load.
    clerk.locator(f"#question-{first.id} .answer-mismatch").wait_for()
    for question in questions[1:]:
        other = clerk.locator(f"#question-{question.id}")
        other.locator("input[name=answer][value=match]").check()
        other.locator("button", has_text="Save the answer").click()
        clerk.locator(f"#question-{question.id} .answer-match").wait_for()

    supervisor = open_page(locale="en-US")
    sign_in(supervisor, "intake")
    supervisor.goto(f"/cases/{case_id}")
    findings = supervisor.locator("section[aria-labelledby=h-findings]").inner_text()
    assert "Born 12 May 1998" in findings
    signals = supervisor.locator(".signals").inner_text()
    assert "registry" in signals.lower()
    count, report = axe_violations(supervisor)
    assert count == 0, report
