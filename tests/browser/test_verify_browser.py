"""A passport officer verifies a field report at /verify: typed as a scanner types it, and
offline in the installed app with the cached keys and revocation list."""

import pytest

from fieldcheck import signing
from fieldcheck.accounts import Actor
from fieldcheck.clock import utcnow
from fieldcheck.db import database
from fieldcheck.models import Case, User
from tests.browser.field_helpers import officer_with_cases, wait_for_worker, wait_until
from tests.browser.helpers import MOBILE, axe_violations, sign_in

pytestmark = pytest.mark.browser


def issue_report(live_server) -> str:
    """A verified case of the demo office, straight through the services: its QR text."""
    from fieldcheck.registry import service as registry
    from fieldcheck.review import service as review

    _, cases = officer_with_cases(live_server, cases=1)
    with live_server.app.app_context():
        if not signing.list_keys(live_server.app.instance_path):
            signing.create_key(live_server.app.instance_path)
        supervisor = Actor(User.get(User.username == "supervisor"), utcnow(), "test")
        field = Actor(User.get(User.username == "intake"), utcnow(), "test")
        case = Case.get_by_id(cases[0])
        from fieldcheck.cases import service as case_service

        with database.atomic():
            case_service.move(field, case, "take_to_field", role="system")
            case_service.move(field, case, "submit", role="system")
            case_service.move(field, case, "begin_registry_check", role="system")
            registry.proceed_without(supervisor, case, "test")
            report = review.verify(supervisor, Case.get_by_id(case.id))
        return report.qr_text


def tampered(text: str) -> str:
    position = len(text) // 2
    return text[:position] + ("B" if text[position] != "B" else "C") + text[position + 1 :]


def test_passport_officer_types_a_code_and_sees_valid_then_invalid(live_server, open_page):
    text = issue_report(live_server)
    page = open_page(locale="en-US")
    sign_in(page, "passport")
    page.goto("/verify")
    page.locator("#qr").fill(text)
    with page.expect_navigation():
        page.locator("#qr").press("Enter")  # what a USB scanner does
    assert page.locator("#verify-result .status").inner_text() == "VALID"
    page.locator("#qr").fill(tampered(text))
    with page.expect_navigation():
        page.locator("#qr").press("Enter")
    assert page.locator("#verify-result .status").inner_text() in ("INVALID", "UNKNOWN KEY")
    count, report = axe_violations(page)
    assert count == 0, report


def test_offline_the_installed_app_verifies_with_cached_keys(
    live_server, open_page, server_requests
):
    text = issue_report(live_server)
    page = open_page(locale="en-US", viewport=MOBILE)
    sign_in(page, "passport")
    page.goto("/verify")
    wait_until(page, lambda: page.evaluate("document.documentElement.dataset.verifyReady === '1'"))
    wait_for_worker(page)
    page.reload()  # now the worker has the page
    wait_until(page, lambda: page.evaluate("document.documentElement.dataset.verifyReady === '1'"))
    page.context.set_offline(True)
    server_requests.reset()
    page.reload()
    wait_until(page, lambda: page.evaluate("document.documentElement.dataset.verifyReady === '1'"))
    page.locator("#qr").fill(text)
    page.locator("#qr").press("Enter")
    result = page.locator("#verify-result .result")
    result.wait_for()
    assert result.locator(".status").inner_text() == "VALID"
    assert "Revocation list from" in result.inner_text()
    page.locator("#qr").fill(tampered(text))
    page.locator("#qr").press("Enter")
    page.wait_for_timeout(300)
    assert page.locator("#verify-result .status").inner_text() in ("INVALID", "UNKNOWN KEY")
    assert server_requests.requests == []
