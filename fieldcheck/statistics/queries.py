"""The statistics' queries: counts only, never a name, one office at a time.

Every function takes the office to count and the filters (fieldcheck.domain.statistics), and
`office_statistics` gathers them; `statistics_for` counts a set of offices office by office, so
a reader of several offices (a headquarters analyst) gets each office's own tables, published
with suppression as its caller decides (domain.statistics.Statistics.published).
"""

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import peewee
from flask import current_app
from peewee import fn

from fieldcheck.cases.query import OPEN_STATES_SQL
from fieldcheck.clock import utcnow
from fieldcheck.db import is_postgres
from fieldcheck.domain import case_states, roles, visits
from fieldcheck.domain import statistics as rules
from fieldcheck.domain.statistics import Filters, Table
from fieldcheck.models import (
    AuditEvent,
    Case,
    Decision,
    FieldVisit,
    Office,
    Region,
    RegistryQuestion,
    Team,
)

RETURN_ACTION = "case.return_for_correction"  # as cases.service.move audits the move
UNKNOWN = "unknown"  # a case whose NIK names no district
BATCH = 500  # ids in one IN (...) list


def office_today(office: Office) -> date:
    """The office's own day (the overdue rule counts in it)."""
    return utcnow().astimezone(ZoneInfo(roles.TIME_ZONES[office.time_zone])).date()


def statistics_for(offices: list[Office], filters: Filters) -> list[rules.Statistics]:
    """Each office's statistics, counted on its own."""
    return [office_statistics(office, filters) for office in offices]


def office_statistics(office: Office, filters: Filters) -> rules.Statistics:
    """All the tables of one office under the filters."""
    return rules.Statistics(
        office=office.code,
        filters=filters,
        tables={
            "activity": activity(office, filters),
            "regions": by_region(office, filters),
            "destinations": by_destination(office, filters),
            "signals": signals(office, filters),
            "teams": visits_by_team(office, filters),
            "registry": registry_answers(office, filters),
        },
        timeliness=timeliness(office, filters, office_today(office)),
    )


def teams_of(office: Office) -> list[Team]:
    """The office's teams, for the team filter."""
    return list(Team.select().where(Team.office == office).order_by(Team.name))


# -- the pieces ----------------------------------------------------------------------------------


def _cases(office: Office, filters: Filters):
    """The condition on cases every count shares: the office, and the team and destination."""
    condition = Case.office == office.id
    if filters.team is not None:
        condition &= Case.team == filters.team
    if filters.destination:
        condition &= Case.destination_country == filters.destination
    return condition


def _between(column, office: Office, filters: Filters):
    start, end = rules.utc_bounds(filters, office.time_zone)
    return (column >= start) & (column < end)


def _local_day(column, zone: str):
    """A UTC moment's date in an office's zone, in SQL (fixed offsets: no daylight saving)."""
    hours = rules.OFFSET_HOURS[zone]
    if is_postgres():
        return peewee.Cast(column + peewee.SQL(f"INTERVAL '{hours} hours'"), "DATE")
    return fn.DATE(column, f"+{hours} hours")


def _day(value) -> date:
    """A day read back from SQL: a date, text, or (peewee reads it through the column's field)
    a datetime at its midnight."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _by_day(query, column, office: Office) -> list[tuple[date, int]]:
    day = _local_day(column, office.time_zone)
    rows = query.select(day, fn.COUNT(peewee.SQL("*"))).group_by(peewee.SQL("1")).tuples()
    return [(_day(d), n) for d, n in rows]


def activity(office: Office, filters: Filters) -> Table:
    """Per period: cases referred, checked (their first field visit stored), verified, refused
    and returned for correction. A case can count in several columns: no row totals."""
    where = _cases(office, filters)
    days = {
        "referred": _by_day(
            Case.select().where(where & _between(Case.created_at, office, filters)),
            Case.created_at,
            office,
        ),
        # A case's first visit: not an amendment, not a second submission.
        "checked": _by_day(
            FieldVisit.select()
            .join(Case)
            .where(
                where
                & FieldVisit.amends.is_null()
                & ((FieldVisit.flag.is_null()) | (FieldVisit.flag != "second"))
                & _between(FieldVisit.received_at, office, filters)
            ),
            FieldVisit.received_at,
            office,
        ),
        "returned": _returns_by_day(office, filters),
    }
    for outcome in (case_states.VERIFIED, case_states.REFUSED):
        days[outcome] = _by_day(
            Decision.select()
            .join(Case)
            .where(
                where
                & (Decision.outcome == outcome)
                & _between(Decision.decided_at, office, filters)
            ),
            Decision.decided_at,
            office,
        )
    table = Table(
        "activity",
        rows=[p.isoformat() for p in rules.periods(filters)],
        columns=list(rules.MEASURES),
        column_totals=True,
    )
    for measure, counts in days.items():
        for period, count in rules.count_by_period(counts, filters.by).items():
            table.cells[(period.isoformat(), measure)] = count
    return table


def _returns_by_day(office: Office, filters: Filters) -> list[tuple[date, int]]:
    """Returns for correction in the period, by the office's day. Read from the audit trail (the
    case's own row keeps no date of it): the period's return events first, by their action and
    time, then which of their cases count here, by primary key in batches (a join on the
    subject's id as text would read every case for each event)."""
    events = (
        AuditEvent.select(AuditEvent.subject_id, AuditEvent.at)
        .where(
            (AuditEvent.action == RETURN_ACTION)
            & (AuditEvent.subject_type == "case")
            & _between(AuditEvent.at, office, filters)
        )
        .tuples()
    )
    moments = [(int(subject), at) for subject, at in events if subject.isdigit()]
    ids = sorted({case_id for case_id, _ in moments})
    counted = set()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        query = Case.select(Case.id).where(_cases(office, filters) & Case.id.in_(chunk))
        counted.update(case_id for (case_id,) in query.tuples())
    offset = timedelta(hours=rules.OFFSET_HOURS[office.time_zone])
    days: dict[date, int] = {}
    for case_id, at in moments:
        if case_id in counted:
            day = (at + offset).date()
            days[day] = days.get(day, 0) + 1
    return list(days.items())


def by_region(office: Office, filters: Filters) -> Table:
    """Cases referred in the period by the applicant's regency (from the NIK's region code)."""
    regency = fn.SUBSTR(Case.district_code, 1, 5)
    rows = (
        Case.select(regency, fn.COUNT(Case.id))
        .where(_cases(office, filters) & _between(Case.created_at, office, filters))
        .group_by(peewee.SQL("1"))
        .tuples()
    )
    counts = {(code or UNKNOWN): n for code, n in rows}
    table = Table("regions", rows=sorted(counts), columns=["cases"], column_totals=True)
    table.cells = {(code, "cases"): n for code, n in counts.items()}
    return table


def region_names(codes: list[str]) -> dict[str, str]:
    """The names of these regions and of their provinces, by code."""
    wanted = set(codes) | {code[:2] for code in codes}
    query = Region.select(Region.code, Region.name).where(Region.code.in_(sorted(wanted)))
    return dict(query.tuples())


def by_destination(office: Office, filters: Filters) -> Table:
    """Cases referred in the period by destination country and stated purpose."""
    rows = (
        Case.select(Case.destination_country, Case.purpose, fn.COUNT(Case.id))
        .where(_cases(office, filters) & _between(Case.created_at, office, filters))
        .group_by(Case.destination_country, Case.purpose)
        .tuples()
    )
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


def signals(office: Office, filters: Filters) -> Table:
    """For the cases referred in the period: how often each risk signal fired, split by whether
    the case was then refused. Each signal a row: a case fires several, so no column totals.

    The cases are counted by their stored list of fired signals (most cases share one of a few
    hundred lists), and each distinct list is read once: at 100,000 cases one pass, where a
    text search per signal took six times as long."""
    ids = [signal.id for signal in risk_rules().signals]
    refused = Case.state == case_states.REFUSED
    rows = (
        Case.select(Case.risk_signals, refused, fn.COUNT(Case.id))
        .where(_cases(office, filters) & _between(Case.created_at, office, filters))
        .group_by(peewee.SQL("1"), peewee.SQL("2"))
        .tuples()
    )
    counts: dict[tuple[str, str], int] = {}
    for text, was_refused, n in rows:
        column = "refused" if was_refused else "not_refused"
        for fired in json.loads(text or "[]"):
            key = (fired["id"], column)
            counts[key] = counts.get(key, 0) + n
    extra = sorted({signal for signal, _ in counts} - set(ids))  # from an earlier rules version
    table = Table(
        "signals", rows=[*ids, *extra], columns=["refused", "not_refused"], row_totals=True
    )
    table.cells = counts
    return table


def visits_by_team(office: Office, filters: Filters) -> Table:
    """Field visits stored in the period (every submission) by the case's team."""
    rows = (
        FieldVisit.select(Team.name, fn.COUNT(FieldVisit.id))
        .join(Case)
        .join(Team, peewee.JOIN.LEFT_OUTER, on=(Case.team == Team.id))
        .where(_cases(office, filters) & _between(FieldVisit.received_at, office, filters))
        .group_by(Team.name)
        .tuples()
    )
    counts = {(name or UNKNOWN): n for name, n in rows}
    table = Table("teams", rows=sorted(counts), columns=["visits"], column_totals=True)
    table.cells = {(name, "visits"): n for name, n in counts.items()}
    return table


def registry_answers(office: Office, filters: Filters) -> Table:
    """The civil registry's answers given in the period, by kind of record and answer."""
    rows = (
        RegistryQuestion.select(RegistryQuestion.kind, RegistryQuestion.answer, fn.COUNT("*"))
        .join(Case)
        .where(
            _cases(office, filters)
            & RegistryQuestion.answer.is_null(False)
            & _between(RegistryQuestion.answered_at, office, filters)
        )
        .group_by(RegistryQuestion.kind, RegistryQuestion.answer)
        .tuples()
    )
    cells = {(kind, answer): n for kind, answer, n in rows}
    return Table(
        "registry",
        rows=sorted({kind for kind, _ in cells}),
        columns=list(rules.REGISTRY_ANSWERS),
        cells=cells,
        row_totals=True,
        column_totals=True,
    )


def timeliness(office: Office, filters: Filters, today: date) -> rules.Timeliness:
    """Days from referral to the first decision, for cases decided in the period, and the open
    cases past their due date today (Case.overdue_on: the one overdue rule)."""
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
    return rules.timeliness(durations, overdue)


def _moment(value) -> datetime:
    """A UTC moment read from an aggregate (SQLite gives text, PostgreSQL a naive datetime)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass
class Dashboard:
    """What the dashboard shows of one office: its exact statistics, the names of the regions
    they name, the signals' titles, and the choices of its filters."""

    stats: rules.PublishedStatistics
    region_names: dict[str, str]
    signal_titles: dict[str, str]
    teams: list[Team]


def dashboard(office: Office, filters: Filters, language: str) -> Dashboard:
    """The office's own statistics, exact (its supervisors and administrators may see them)."""
    stats = office_statistics(office, filters).published(None)
    codes = [c for c in stats.tables["regions"].rows if c != UNKNOWN]
    return Dashboard(
        stats=stats,
        region_names=region_names(codes),
        signal_titles={
            s.id: s.titles.get(language, s.titles.get("en", s.id)) for s in risk_rules().signals
        },
        teams=teams_of(office),
    )


def office_filters(office: Office, filters: Filters, errors: list[str]) -> Filters:
    """The filters with a team of another office dropped (and said so in `errors`)."""
    if filters.team is None:
        return filters
    if Team.select().where((Team.id == filters.team) & (Team.office == office)).exists():
        return filters
    errors.append("statistics_team")
    return replace(filters, team=None)
