"""Each statistics aggregate on the small office history of factories.statistics_cases, the
expected numbers written out (fieldcheck.statistics.queries, read from the summary that
fieldcheck.statistics.summary rebuilds)."""

from datetime import date

import pytest

from fieldcheck.domain.statistics import Filters
from fieldcheck.statistics import queries, summary
from tests import factories

OCT_NOV = Filters(start=date(2026, 10, 1), end=date(2026, 11, 30), by="month")


@pytest.fixture
def history(app, clock):
    made = factories.statistics_cases(clock)
    with app.test_request_context():
        summary.refresh(clock.at)
        yield made


def test_the_timeline_counts_each_event_in_the_offices_month(history):
    table = queries.activity(history["office"], OCT_NOV)
    assert table.rows == ["2026-10-01", "2026-11-01"]
    by_row = {r: [table.value(r, c) for c in table.columns] for r in table.rows}
    # referred, checked, verified, refused, returned. D was referred at 18:00 UTC on 31 October:
    # 1 November in Bandung (WIB), so November's.
    assert table.columns == ["referred", "checked", "verified", "refused", "returned"]
    assert by_row == {"2026-10-01": [3, 1, 0, 1, 1], "2026-11-01": [1, 1, 1, 0, 0]}


def test_the_timeline_by_week_starts_each_week_on_monday(history):
    weeks = Filters(start=date(2026, 10, 26), end=date(2026, 11, 8), by="week")
    table = queries.activity(history["office"], weeks)
    assert table.rows == ["2026-10-26", "2026-11-02"]
    assert table.value("2026-10-26", "referred") == 1  # D, on Sunday 1 November (WIB)
    assert table.value("2026-10-26", "checked") == 1  # B's first visit, not its second
    assert table.value("2026-11-02", "verified") == 1


def test_regions_come_from_the_nik_and_the_period_bounds_them(history):
    table = queries.by_region(history["office"], OCT_NOV)
    assert {r: table.value(r, "cases") for r in table.rows} == {"32.04": 3, "32.05": 1}
    names = queries.region_names(table.rows)
    assert names == {"32": "Jawa Barat", "32.04": "Kabupaten Bandung", "32.05": "Kabupaten Garut"}
    october = Filters(start=date(2026, 10, 1), end=date(2026, 10, 31))
    table = queries.by_region(history["office"], october)
    assert {r: table.value(r, "cases") for r in table.rows} == {"32.04": 2, "32.05": 1}


def test_destinations_by_stated_purpose(history):
    table = queries.by_destination(history["office"], OCT_NOV)
    assert table.rows == ["KH", "MY"]
    assert (table.value("KH", "work"), table.value("KH", "tourism")) == (2, 1)
    assert (table.value("MY", "work"), table.value("MY", "tourism")) == (0, 1)
    assert table.row_totals and table.column_totals


def test_signals_fired_and_the_refusals_that_followed(history):
    table = queries.signals(history["office"], OCT_NOV)
    # KH is a high-risk destination: A (refused), B and D; every applicant is a woman.
    assert (
        table.value("high_risk_destination", "refused"),
        table.value("high_risk_destination", "not_refused"),
    ) == (1, 2)
    assert (
        table.value("female_applicant", "refused"),
        table.value("female_applicant", "not_refused"),
    ) == (1, 3)


def test_visits_per_team_count_every_submission(history):
    table = queries.visits_by_team(history["office"], OCT_NOV)
    assert {r: table.value(r, "visits") for r in table.rows} == {"Timpora Kabupaten Bandung": 3}


def test_registry_answers_by_kind(history):
    table = queries.registry_answers(history["office"], OCT_NOV)
    assert table.rows == ["nik_identity"]
    assert [table.value("nik_identity", a) for a in table.columns] == [1, 1, 0]


def test_time_to_decision_and_overdue_by_the_offices_day(history):
    t = queries.timeliness(history["office"], OCT_NOV, date(2026, 11, 2))
    # A: 5 -> 20 October (15 days); B: 5 October -> 2 November (28 days). C is overdue.
    assert (t.decided, t.median_days, t.p90_days, t.open_overdue) == (2, 15.0, 28.0, 1)
    october = Filters(start=date(2026, 10, 1), end=date(2026, 10, 31))
    assert queries.timeliness(history["office"], october, date(2026, 11, 2)).decided == 1


def test_the_team_and_destination_filters_narrow_every_count(history):
    office = history["office"]
    one_team = Filters(OCT_NOV.start, OCT_NOV.end, team=history["team"].id)
    table = queries.activity(office, one_team)
    assert [table.value("2026-10-01", c) for c in table.columns] == [2, 1, 0, 1, 1]
    malaysia = Filters(OCT_NOV.start, OCT_NOV.end, destination="MY")
    assert queries.by_destination(office, malaysia).rows == ["MY"]
    assert queries.timeliness(office, malaysia, date(2026, 11, 2)).decided == 0


def test_another_offices_cases_are_never_counted(history):
    stats = queries.statistics_for([history["office"], history["other"]], OCT_NOV)
    ours, theirs = stats
    assert ours.office == "KANIM-BDG" and theirs.office == "KANIM-SBY"
    assert theirs.tables["activity"].value("2026-10-01", "referred") == 0  # made on 2 Nov
    assert theirs.tables["activity"].value("2026-11-01", "referred") == 1
    assert theirs.tables["activity"].value("2026-10-01", "refused") == 1
    assert ours.tables["teams"].value("Timpora Kabupaten Bandung", "visits") == 3
    assert sum(ours.tables["registry"].cells.values()) == 2


def test_the_summary_is_rebuilt_only_when_older_than_its_age_and_says_as_of_when(history, clock):
    from datetime import timedelta

    made = clock.at
    assert summary.as_of() == made
    five_minutes = timedelta(minutes=5)
    factories.case()  # referred on 2 November, after the rebuild
    later = made + timedelta(minutes=4)
    assert summary.ensure_fresh(later, five_minutes) == made
    assert queries.activity(history["office"], OCT_NOV).value("2026-11-01", "referred") == 1
    much_later = made + timedelta(minutes=6)
    assert summary.ensure_fresh(much_later, five_minutes) == much_later
    assert summary.as_of() == much_later
    assert queries.activity(history["office"], OCT_NOV).value("2026-11-01", "referred") == 2


def test_a_period_counts_the_same_from_daily_and_monthly_rows(history):
    """Whole months come from the monthly rows, the days around them from the daily ones."""
    across = Filters(start=date(2026, 10, 5), end=date(2026, 11, 1), by="month")
    table = queries.by_region(history["office"], across)
    assert {r: table.value(r, "cases") for r in table.rows} == {"32.04": 3, "32.05": 1}
    inside = Filters(start=date(2026, 10, 6), end=date(2026, 10, 31), by="month")
    assert queries.by_region(history["office"], inside).rows == []
    provinces = queries.by_province(history["office"], OCT_NOV)
    assert {r: provinces.value(r, "cases") for r in provinces.rows} == {"32": 4}


def test_the_analysts_offices_count_together_and_office_by_office(history):
    both = [history["office"], history["other"]]
    together = queries.activity(both, OCT_NOV)
    assert [together.value("2026-10-01", c) for c in together.columns] == [3, 2, 0, 2, 2]
    by_office = queries.by_office(both, OCT_NOV)
    assert by_office.rows == ["KANIM-BDG", "KANIM-SBY"]
    assert [by_office.value("KANIM-SBY", c) for c in by_office.columns] == [1, 1, 0, 1, 1]
    assert [by_office.value("KANIM-BDG", c) for c in by_office.columns] == [4, 2, 1, 1, 1]
    assert queries.timeliness(both, OCT_NOV, date(2026, 11, 2)).decided == 3
