"""The statistics' queries: counts only, never a name.

Every function takes the offices to count (one office, or a list: the headquarters analyst's
offices) and the filters (fieldcheck.domain.statistics). The counts that read many rows come
from the summary (models.StatisticsCount, rebuilt by fieldcheck.statistics.summary): a period's
whole months from its monthly rows, the days around them from its daily rows. Time from
referral to decision and the repatriated victims are counted from their own rows.
`office_statistics` gathers the tables, `statistics_for` counts offices one by one, and the
caller publishes them exact or suppressed (domain.statistics.Statistics.published).
"""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import peewee
from flask import current_app
from peewee import fn

from fieldcheck.cases.query import OPEN_STATES_SQL
from fieldcheck.clock import utcnow
from fieldcheck.db import is_postgres
from fieldcheck.domain import repatriation_statistics as victims
from fieldcheck.domain import roles, visits
from fieldcheck.domain import statistics as rules
from fieldcheck.domain.statistics import Filters, Table
from fieldcheck.models import (
    Case,
    Decision,
    Office,
    Region,
    RepatriatedVictim,
    StatisticsCount,
    Team,
)

RETURN_ACTION = "case.return_for_correction"  # as cases.service.move audits the move
UNKNOWN = "unknown"  # a case whose NIK names no district
BATCH = 500  # ids in one IN (...) list
ALL_OFFICES = "ALL"  # the label of the statistics of several offices together


def _many(offices) -> list[Office]:
    return [offices] if isinstance(offices, Office) else list(offices)


def office_today(office: Office) -> date:
    """The office's own day (the overdue rule counts in it)."""
    return utcnow().astimezone(ZoneInfo(roles.TIME_ZONES[office.time_zone])).date()


def statistics_for(offices: list[Office], filters: Filters) -> list[rules.Statistics]:
    """Each office's statistics, counted on its own."""
    return [office_statistics(office, filters) for office in offices]


def office_statistics(offices, filters: Filters) -> rules.Statistics:
    """All the tables of one office (or of several together) under the filters."""
    many = _many(offices)
    return rules.Statistics(
        office=many[0].code if len(many) == 1 else ALL_OFFICES,
        filters=filters,
        tables={
            "activity": activity(many, filters),
            "regions": by_region(many, filters),
            "provinces": by_province(many, filters),
            "destinations": by_destination(many, filters),
            "signals": signals(many, filters),
            "teams": visits_by_team(many, filters),
            "registry": registry_answers(many, filters),
            "repatriation": repatriation(many, filters),
            "repatriated_victims": repatriated_victims(many, filters),
        },
        timeliness=timeliness(many, filters),
    )


def teams_of(office: Office | None) -> list[Team]:
    """The office's teams, for the team filter (no office: none)."""
    if office is None:
        return []
    return list(Team.select().where(Team.office == office).order_by(Team.name))


# -- the summary's rows --------------------------------------------------------------------------


def local_day(column, zone: str):
    """A UTC moment's date in an office's zone, in SQL (fixed offsets: no daylight saving)."""
    hours = rules.OFFSET_HOURS[zone]
    if is_postgres():
        return peewee.Cast(column + peewee.SQL(f"INTERVAL '{hours} hours'"), "DATE")
    return fn.DATE(column, f"+{hours} hours")


def read_day(value) -> date:
    """A day read back from SQL: a date, text, or (peewee reads it through the column's field)
    a datetime at its midnight."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _periods(filters: Filters, daily_only: bool = False) -> list[tuple[str, date, date]]:
    """The summary's rows that add up to the filters' days exactly, as (grain, first, last)
    ranges: the whole months' monthly rows, the daily rows of the days before and after them."""
    start, end = filters.start, filters.end
    first_month = start if start.day == 1 else _next_month(start)
    after_months = end.replace(day=1)
    if end == _next_month(end.replace(day=1)) - timedelta(days=1):
        after_months = _next_month(end.replace(day=1))
    if daily_only or first_month >= after_months:
        return [("d", start, end)]
    ranges = [("m", first_month, after_months - timedelta(days=1))]
    if start < first_month:
        ranges.append(("d", start, first_month - timedelta(days=1)))
    if after_months <= end:
        ranges.append(("d", after_months, end))
    return ranges


def _summed(offices, filters: Filters, measures, *by, daily_only=False):
    """The summary's counts of these measures under the filters, summed by `by` (columns of
    StatisticsCount), as (*by, count) tuples. One query a range of rows (months, the days
    before, the days after), each read along the (office, measure, grain, period) index: an
    OR of them would read every row of the office."""
    S = StatisticsCount
    condition = S.office.in_([o.id for o in offices]) & S.measure.in_(list(measures))
    if filters.team is not None:
        condition &= S.team == filters.team
    if filters.destination:
        condition &= S.destination == filters.destination
    # Without a team or destination filter, the rows summed over them (summary._rows).
    by_team = any(field is S.team for field in by)  # (`in` would compare with SQL's ==)
    rolled = filters.team is None and not filters.destination and not by_team
    sums: dict[tuple, int] = {}
    for grain, first, last in _periods(filters, daily_only):
        grain = grain.upper() if rolled else grain
        where = condition & (S.grain == grain) & (S.period >= first) & (S.period <= last)
        query = S.select(*by, fn.SUM(S.count)).where(where).group_by(*by)
        for *key, n in query.tuples():
            sums[tuple(key)] = sums.get(tuple(key), 0) + int(n)
    return [(*key, n) for key, n in sums.items()]


# -- the tables ----------------------------------------------------------------------------------


def activity(offices, filters: Filters) -> Table:
    """Per period: cases referred, checked (their first field visit stored), verified, refused
    and returned for correction. A case can count in several columns: no row totals."""
    S = StatisticsCount
    weekly = filters.by == "week"
    rows = _summed(_many(offices), filters, rules.MEASURES, S.measure, S.period, daily_only=weekly)
    table = Table(
        "activity",
        rows=[p.isoformat() for p in rules.periods(filters)],
        columns=list(rules.MEASURES),
        column_totals=True,
    )
    for measure, day, n in rows:
        period = rules.period_of(read_day(day), filters.by).isoformat()
        table.cells[(period, measure)] = table.cells.get((period, measure), 0) + n
    return table


def by_office(offices: list[Office], filters: Filters) -> Table:
    """The timeline's measures over the whole period, office by office (the analyst's view)."""
    S = StatisticsCount
    codes = {o.id: o.code for o in offices}
    rows = _summed(offices, filters, rules.MEASURES, S.office, S.measure)
    table = Table(
        "offices",
        rows=sorted(codes.values()),
        columns=list(rules.MEASURES),
        column_totals=True,
    )
    table.cells = {(codes[office], measure): n for office, measure, n in rows}
    return table


def by_region(offices, filters: Filters) -> Table:
    """Cases referred in the period by the applicant's regency (from the NIK's region code)."""
    S = StatisticsCount
    counts = dict(_summed(_many(offices), filters, ["region"], S.key))
    table = Table("regions", rows=sorted(counts), columns=["cases"], column_totals=True)
    table.cells = {(code, "cases"): n for code, n in counts.items()}
    return table


def by_province(offices, filters: Filters) -> Table:
    """Cases referred in the period by the applicant's province (the NIK's first two digits)."""
    S = StatisticsCount
    counts: dict[str, int] = {}
    for code, n in _summed(_many(offices), filters, ["region"], S.key):
        province = UNKNOWN if code == UNKNOWN else code[:2]
        counts[province] = counts.get(province, 0) + n
    table = Table("provinces", rows=sorted(counts), columns=["cases"], column_totals=True)
    table.cells = {(code, "cases"): n for code, n in counts.items()}
    return table


def region_names(codes: list[str]) -> dict[str, str]:
    """The names of these regions and of their provinces, by code."""
    wanted = set(codes) | {code[:2] for code in codes}
    query = Region.select(Region.code, Region.name).where(Region.code.in_(sorted(wanted)))
    return dict(query.tuples())


def by_destination(offices, filters: Filters) -> Table:
    """Cases referred in the period by destination country and stated purpose."""
    S = StatisticsCount
    rows = _summed(_many(offices), filters, ["purpose"], S.destination, S.key)
    cells = {(country, purpose): n for country, purpose, n in rows}
    return Table(
        "destinations",
        rows=sorted({country for country, _ in cells}),
        columns=[*visits.PURPOSES, *sorted({p for _, p in cells} - set(visits.PURPOSES))],
        cells=cells,
        row_totals=True,
        column_totals=True,
    )


def risk_rules():
    """The risk signals the app evaluates (their ids and titles in both languages)."""
    return current_app.extensions["risk_rules"]


def signals(offices, filters: Filters) -> Table:
    """For the cases referred in the period: how often each risk signal fired, split by whether
    the case was then refused. Each signal a row: a case fires several, so no column totals."""
    S = StatisticsCount
    ids = [signal.id for signal in risk_rules().signals]
    measures = {"signal_refused": "refused", "signal_not_refused": "not_refused"}
    rows = _summed(_many(offices), filters, measures, S.key, S.measure)
    counts = {(signal, measures[measure]): n for signal, measure, n in rows}
    extra = sorted({signal for signal, _ in counts} - set(ids))  # from an earlier rules version
    table = Table(
        "signals", rows=[*ids, *extra], columns=["refused", "not_refused"], row_totals=True
    )
    table.cells = counts
    return table


def visits_by_team(offices, filters: Filters) -> Table:
    """Field visits stored in the period (every submission) by the case's team."""
    S = StatisticsCount
    many = _many(offices)
    rows = _summed(many, filters, ["visits"], S.team)
    names = dict(
        Team.select(Team.id, Team.name).where(Team.office.in_([o.id for o in many])).tuples()
    )
    counts: dict[str, int] = {}
    for team, n in rows:
        name = names.get(team, UNKNOWN) if team is not None else UNKNOWN
        counts[name] = counts.get(name, 0) + n
    table = Table("teams", rows=sorted(counts), columns=["visits"], column_totals=True)
    table.cells = {(name, "visits"): n for name, n in counts.items()}
    return table


def registry_answers(offices, filters: Filters) -> Table:
    """The civil registry's answers given in the period, by kind of record and answer."""
    S = StatisticsCount
    cells = {}
    for key, n in _summed(_many(offices), filters, ["registry"], S.key):
        kind, _, answer = key.partition(":")
        cells[(kind, answer)] = n
    return Table(
        "registry",
        rows=sorted({kind for kind, _ in cells}),
        columns=list(rules.REGISTRY_ANSWERS),
        cells=cells,
        row_totals=True,
        column_totals=True,
    )


# -- repatriated victims -------------------------------------------------------------------------


def _victims(offices, filters: Filters):
    """The offices' repatriated victims' records returned in the period (their return's day is
    a date already), under the team (their case's) and destination filters."""
    V = RepatriatedVictim
    condition = (
        V.office.in_([o.id for o in offices])
        & (V.returned_on >= filters.start)
        & (V.returned_on <= filters.end)
    )
    if filters.destination:
        condition &= V.destination_country == filters.destination
    if filters.team is not None:
        condition &= V.case.in_(Case.select(Case.id).where(Case.team == filters.team))
    return condition


def repatriation(offices, filters: Filters) -> Table:
    """Repatriated victims' records by the period of their return: received, traced to the
    office's field check that preceded the passport, and with that check's report flagged for
    the supervisor's review (the loop by which an office learns what its check missed)."""
    V = RepatriatedVictim
    query = V.select(V.returned_on, V.case.is_null(False), V.report.is_null(False)).where(
        _victims(_many(offices), filters)
    )
    table = Table(
        "repatriation",
        rows=[p.isoformat() for p in rules.periods(filters)],
        columns=["received", "traced", "flagged"],
        column_totals=True,
    )
    for returned_on, traced, flagged in query.tuples():
        period = rules.period_of(returned_on, filters.by).isoformat()
        for column, counted in (("received", True), ("traced", traced), ("flagged", flagged)):
            if counted:
                table.cells[(period, column)] = table.cells.get((period, column), 0) + 1
    return table


def victim_records(offices, filters: Filters) -> list[victims.VictimRecord]:
    """The offices' repatriated victims in the period as records of codes only (office,
    destination, year, sex, age band, whether a field check preceded the passport)."""
    V = RepatriatedVictim
    query = (
        V.select(
            Office.code, V.destination_country, V.returned_on, V.sex, V.birth_date, V.nik, V.case
        )
        .join(Office)
        .where(_victims(_many(offices), filters))
        .order_by(V.id)
        .tuples()
    )
    return [
        victims.record(code, country, returned_on, sex, born, nik, case is not None)
        for code, country, returned_on, sex, born, nik, case in query
    ]


def repatriated_victims(offices, filters: Filters) -> Table:
    """Repatriated victims by destination, year of return, sex and age band: whether a field
    check preceded the passport (keys named as HTCDS names them: see
    fieldcheck.domain.repatriation_statistics)."""
    return victims.table(victim_records(offices, filters))


# -- timeliness ----------------------------------------------------------------------------------


def timeliness(offices, filters: Filters, today: date | None = None) -> rules.Timeliness:
    """Days from referral to the first decision, for cases decided in the period, and the open
    cases past their due date on each office's day (Case.overdue_on: the one overdue rule)."""
    durations, overdue = [], 0
    for office in _many(offices):
        found, late = _timeliness(office, filters, today or office_today(office))
        durations += found
        overdue += late
    return rules.timeliness(durations, overdue)


def _cases(office: Office, filters: Filters):
    """The condition on an office's cases: the team and destination filters."""
    condition = Case.office == office.id
    if filters.team is not None:
        condition &= Case.team == filters.team
    if filters.destination:
        condition &= Case.destination_country == filters.destination
    return condition


def _timeliness(office: Office, filters: Filters, today: date) -> tuple[list[float], int]:
    start, end = (
        moment.replace(tzinfo=None) for moment in rules.utc_bounds(filters, office.time_zone)
    )
    decided_at = fn.MIN(Decision.decided_at)
    first = (
        Decision.select(Decision.case, decided_at.alias("decided_at"))
        .join(Case)
        .where(_cases(office, filters))
        .group_by(Decision.case)
        .having((decided_at >= start) & (decided_at < end))
    )
    pairs = (
        Case.select(Case.created_at, first.c.decided_at)
        .join(first, on=(first.c.case_id == Case.id))
        .tuples()
    )
    durations = [(_moment(decided) - created).total_seconds() / 86400 for created, decided in pairs]
    # The open states written out as the partial index of open cases (migration 11) names them,
    # so the count reads that index alone (at 100,000 cases 2 ms instead of 110).
    open_cases = Case.state.in_(OPEN_STATES_SQL)
    overdue = (
        Case.select().where(_cases(office, filters) & open_cases & Case.overdue_on(today)).count()
    )
    return durations, overdue


def _moment(value) -> datetime:
    """A UTC moment read from an aggregate (SQLite gives text, PostgreSQL a naive datetime)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# -- what a dashboard shows ----------------------------------------------------------------------


@dataclass
class Dashboard:
    """What the dashboard shows of its offices: their statistics (exact for an office's own,
    suppressed for the analyst's), the names of the regions they name, the signals' titles, the
    choices of its filters, the analyst's table of offices, and when the counts were made."""

    stats: rules.PublishedStatistics
    region_names: dict[str, str]
    signal_titles: dict[str, str]
    teams: list[Team]
    offices: list[Office]  # the office filter's choices (the analyst's); else empty
    by_office: rules.Published | None
    as_of: datetime | None = None


def dashboard(
    offices: list[Office], filters: Filters, language: str, k: int | None, choices=()
) -> Dashboard:
    """The offices' statistics published with `k` (None: exact, an office's own), and for the
    analyst (`choices`: every office) the table of offices."""
    stats = office_statistics(offices, filters).published(k)
    codes = [c for c in stats.tables["regions"].rows if c != UNKNOWN]
    one = offices[0] if len(offices) == 1 else None
    return Dashboard(
        stats=stats,
        region_names=region_names(codes),
        signal_titles={
            s.id: s.titles.get(language, s.titles.get("en", s.id)) for s in risk_rules().signals
        },
        teams=teams_of(one),
        offices=list(choices),
        by_office=rules.publish(by_office(list(choices), filters), k) if choices else None,
    )


def all_offices() -> list[Office]:
    """Every office, by code (the analyst's)."""
    return list(Office.select().order_by(Office.code))


def analyst_offices(filters: Filters, errors: list[str]) -> tuple[list[Office], Filters]:
    """The offices the analyst's filters name (one by its code, else all), and the filters with
    an unknown office, or a team of another office, dropped (and said so in `errors`)."""
    everyone = all_offices()
    if filters.office is None:
        if filters.team is not None:
            errors.append("statistics_team")
            filters = replace(filters, team=None)
        return everyone, filters
    chosen = [o for o in everyone if o.code == filters.office]
    if not chosen:
        errors.append("statistics_office")
        return everyone, replace(filters, office=None, team=None)
    return chosen, office_filters(chosen[0], filters, errors)


def office_filters(office: Office, filters: Filters, errors: list[str]) -> Filters:
    """The filters with a team of another office dropped (and said so in `errors`)."""
    if filters.team is None:
        return filters
    if Team.select().where((Team.id == filters.team) & (Team.office == office)).exists():
        return filters
    errors.append("statistics_team")
    return replace(filters, team=None)
