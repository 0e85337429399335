"""The dashboard as of its summary's rebuild (fieldcheck.statistics.summary and snapshots): a
change shows once the summary is older than STATISTICS_MAX_AGE_SECONDS, and the page says
when it was counted."""

from datetime import timedelta

import pytest

from tests import factories
from tests.helpers import parse, text_of

PERIOD = "start=2026-10-01&end=2026-11-30&by=month"


@pytest.fixture
def app_settings():
    return {"STATISTICS_MAX_AGE_SECONDS": 300}


def _referred(page: str) -> str:
    cell = parse(page).select_one('#panel-activity td[data-row="total"][data-column="referred"]')
    return cell.get_text(strip=True)


def test_a_new_case_counts_once_the_summary_is_older_than_its_age(app, clock, web):
    factories.statistics_cases(clock)
    web.login("supervisor")
    english = {"Accept-Language": "en"}
    first = web.get(f"/statistics/?{PERIOD}", headers=english).text
    assert _referred(first) == "4"
    factories.case()  # referred on 2 November
    clock.at += timedelta(minutes=4)
    kept = web.get(f"/statistics/?{PERIOD}", headers=english).text
    assert _referred(kept) == "4"
    assert text_of(kept, "stat-as-of") == text_of(first, "stat-as-of")
    week = web.get(f"/statistics/?{PERIOD.replace('month', 'week')}", headers=english).text
    assert text_of(week, "stat-as-of") == text_of(first, "stat-as-of")  # the same rebuild
    clock.at += timedelta(minutes=2)
    fresh = web.get(f"/statistics/?{PERIOD}", headers=english).text
    assert _referred(fresh) == "5"
    assert text_of(fresh, "stat-as-of") != text_of(first, "stat-as-of")


def test_the_refresh_command_rebuilds_the_summary_now(app, clock, web):
    factories.statistics_cases(clock)
    web.login("supervisor")
    assert _referred(web.get(f"/statistics/?{PERIOD}").text) == "4"
    factories.case()
    clock.at += timedelta(minutes=1)  # before the page's summary is 5 minutes old
    result = app.test_cli_runner().invoke(args=["statistics", "refresh"])
    assert result.exit_code == 0 and "counted as of" in result.output
    assert _referred(web.get(f"/statistics/?{PERIOD}").text) == "5"


def test_an_offices_exact_dashboard_is_never_the_one_kept_for_the_analyst(app, clock, web):
    factories.statistics_cases(clock)
    factories.user("analyst", "analyst")
    web.login("supervisor")
    assert _referred(web.get(f"/statistics/?{PERIOD}").text) == "4"
    web.logout()
    web.login("analyst")
    page = web.get(f"/statistics/?{PERIOD}&office=KANIM-BDG").text
    assert _referred(page) == "<11"
