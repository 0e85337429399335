"""The intake officer, in Indonesian, refers an application, sees the NIK decoded and a risk
signal fire, and assigns the case; the list and the case page pass axe-core."""

import uuid

import pytest

from tests.browser.helpers import MOBILE, axe_violations, scroll_width, sign_in

pytestmark = pytest.mark.browser


def fill_intake_form(page, number):
    page.goto("/cases/new")
    page.locator("#applicant_name").fill("Neng Rina Marlina")
    page.locator("#nik").press_sequentially("3204124503990001", delay=10)
    # The server answers as the NIK is typed: what it decodes to.
    page.locator("#nik-check .nik-decoded").wait_for()
    page.locator("#sex-0").check()  # F
    page.locator("#birth_date").fill("1999-03-05")
    page.locator("#application_number").fill(number)
    page.locator("#purpose").select_option("work")
    page.locator("#destination_country").select_option("KH")
    page.locator("#visa_type").select_option("visit")
    page.locator("#referral_reasons-0").check()
    page.locator("#phone").fill("0812 3456 7890")


@pytest.mark.parametrize("locale", ["id-ID"])
def test_intake_refers_a_case_in_indonesian_and_assigns_it(page, server_requests):
    sign_in(page, "intake")
    number = f"BR-{uuid.uuid4().hex[:8].upper()}"
    fill_intake_form(page, number)
    decoded = page.locator("#nik-check .nik-decoded").inner_text()
    assert "5 Mar 1999" in decoded and "32.04.12" in decoded
    # A stated sex that the NIK contradicts shows at once, before anything is saved.
    page.locator("#sex-1").check()  # M
    page.locator("#nik-check .finding").first.wait_for()
    page.locator("#sex-0").check()
    page.locator("#nik-check .nik-decoded:not(:has(.finding))").wait_for()
    with page.expect_navigation():
        page.locator("form.case-form button[type=submit]").click()
    assert server_requests.count("/cases/new", method="POST") == 1
    assert page.locator("h1").inner_text().startswith("Neng Rina Marlina")
    signals = page.locator(".signals li")
    assert signals.count() >= 3
    assert "Kamboja" in page.locator(".signals").inner_text()
    assert page.locator("html").get_attribute("lang") == "id"

    page.locator("#team").select_option(label="Timpora Kabupaten Bandung")
    with page.expect_navigation():
        page.locator("form[action$='/assign'] button[type=submit]").click()
    assert "Timpora Kabupaten Bandung" in page.locator("#h-assignment + p").inner_text()
    assert page.locator("form[action$='/assign'] #reason").count() == 1  # now a re-assignment

    count, report = axe_violations(page)
    assert count == 0, report
    page.goto("/cases")
    page.locator("#q").fill(number)
    page.locator(f"#case-results a:has-text('{number}')").wait_for()
    count, report = axe_violations(page)
    assert count == 0, report


@pytest.mark.parametrize("viewport", [MOBILE], ids=["360x740"])
@pytest.mark.parametrize("locale", ["en-US", "id-ID"])
def test_intake_pages_pass_axe_and_fit_a_phone(page):
    sign_in(page, "intake")
    for path in ("/cases", "/cases/new", "/cases/import"):
        page.goto(path)
        count, report = axe_violations(page)
        assert count == 0, f"{path}: {report}"
        assert scroll_width(page) <= 360, path


@pytest.mark.parametrize("viewport", [MOBILE], ids=["360x740"])
@pytest.mark.parametrize("locale", ["en-US", "id-ID"])
def test_a_case_page_reads_on_a_phone(page):
    """Every value of the applicant and application lists has the card's width to itself on a
    phone (a long label beside it once squeezed the values to a letter a line)."""
    sign_in(page, "intake")
    page.goto("/cases")
    page.locator("#case-results tbody a").first.click()
    page.locator("#h-timeline").wait_for()
    count, report = axe_violations(page)
    assert count == 0, report
    assert scroll_width(page) <= 360
    widths = page.eval_on_selector_all(
        ".facts dd",
        "values => values.map(dd => dd.getBoundingClientRect().width"
        " / dd.closest('.card').getBoundingClientRect().width)",
    )
    assert widths and min(widths) > 0.8, widths


@pytest.mark.parametrize("viewport", [MOBILE], ids=["360x740"])
@pytest.mark.parametrize("locale, due", [("en-US", "Due"), ("id-ID", "Batas waktu")])
def test_the_case_list_shows_each_case_as_a_card_on_a_phone(page, due):
    """No sideways scrolling to find a case's risk or status: each row is a card, its due date
    under the column's name (the application date above is a date too)."""
    sign_in(page, "intake")
    page.goto("/cases")
    row = page.locator("#case-results tbody tr").first
    labels = row.locator("td").evaluate_all(
        "cells => cells.map(td => getComputedStyle(td, '::before').content)"
    )
    assert labels[-1] == f'"{due}"' and set(labels[:-1]) == {"none"}
    wrap = page.locator("#case-results .table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert row.evaluate("tr => tr.getBoundingClientRect().height") < 300
