"""The statistics' summary (models.StatisticsCount): every count the dashboard draws from many
rows, summed by office, the office's day and month, team and destination, rebuilt as a whole
from the cases and read instead of them.

Why a rebuild and not rows kept in each change's transaction: cases change through many paths
(intake, CSV imports, sync, review, bulk loads) and the counts depend on several of them (a
case's team, its state, its visits, its registry answers, the audit trail's returns). One
rebuild from the source cannot drift from it; the page says when it was made ("as of"), and
rebuilds when that is older than STATISTICS_MAX_AGE_SECONDS (or on `fieldcheck statistics
refresh`, e.g. from cron). Two rebuilds take the one StatisticsRefresh row in turn, so they
never interleave their deletes and inserts.
"""

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import peewee
from flask import current_app
from peewee import fn

from fieldcheck.db import database
from fieldcheck.domain import case_states
from fieldcheck.domain import statistics as rules
from fieldcheck.models import (
    AuditEvent,
    Case,
    Decision,
    FieldVisit,
    Office,
    RegistryQuestion,
    StatisticsCount,
    StatisticsRefresh,
)
from fieldcheck.statistics import queries

NEVER = datetime(1970, 1, 1, tzinfo=UTC)
ROWS_A_STATEMENT = 1000  # 8,000 parameters: under SQLite's 32,766 and PostgreSQL's 65,535
COLUMNS = ("office_id", "grain", "period", "team", "destination", "measure", "key", "count")


def as_of() -> datetime | None:
    """When the summary was last rebuilt, or None: never."""
    row = StatisticsRefresh.get_or_none(StatisticsRefresh.id == 1)
    return None if row is None or row.as_of <= NEVER else row.as_of


def ensure_fresh(now: datetime, max_age: timedelta | None = None) -> datetime:
    """The summary as of at most `max_age` ago (default: the app's setting), rebuilt if it is
    older; its "as of"."""
    if max_age is None:
        max_age = timedelta(seconds=current_app.config["STATISTICS_MAX_AGE_SECONDS"])
    made = as_of()
    if _young(made, now, max_age):
        return made
    return refresh(now, max_age)


def _young(made: datetime | None, now: datetime, max_age: timedelta | None) -> bool:
    """Whether a summary made then is recent enough (no age allowed: never)."""
    if made is None or max_age is None or max_age <= timedelta(0):
        return False
    return now - made <= max_age


def refresh(now: datetime, max_age: timedelta | None = None) -> datetime:
    """Rebuild the summary from the cases in one transaction (unless, once its turn comes, a
    rebuild that finished meanwhile is young enough); its "as of"."""
    with database.atomic():
        _take_turn()
        made = as_of()
        if _young(made, now, max_age):
            return made
        StatisticsCount.delete().execute()
        _insert(_rows(collect()))
        StatisticsRefresh.update(as_of=now).where(StatisticsRefresh.id == 1).execute()
    return now


def _take_turn() -> None:
    """Lock the refresh row (made if missing): an UPDATE takes PostgreSQL's row lock and
    SQLite's write lock, so a second rebuild waits for the first to commit."""
    mark = StatisticsRefresh.as_of
    if StatisticsRefresh.update(as_of=mark).where(StatisticsRefresh.id == 1).execute():
        return
    StatisticsRefresh.insert(id=1, as_of=NEVER).on_conflict_ignore().execute()
    StatisticsRefresh.update(as_of=mark).where(StatisticsRefresh.id == 1).execute()


Key = tuple  # (office id, day, team id, destination, measure, key)


def collect() -> Counter:
    """Every count by (office, the office's day, team, destination, measure, key)."""
    counts: Counter = Counter()
    zones: dict[str, list[int]] = {}
    for office_id, zone in Office.select(Office.id, Office.time_zone).tuples():
        zones.setdefault(zone, []).append(office_id)
    for zone, ids in zones.items():
        _cases(counts, zone, ids)
        _visits(counts, zone, ids)
        _decisions(counts, zone, ids)
        _registry(counts, zone, ids)
    _returns(counts)
    return counts


def _grouped(query, column, zone: str, *extra):
    """The query's rows grouped by office, the office's day of `column`, team, destination and
    `extra`, with their count."""
    day = queries.local_day(column, zone)
    fields = [Case.office, day, Case.team, Case.destination_country, *extra]
    positions = [peewee.SQL(str(n)) for n in range(1, len(fields) + 1)]
    grouped = query.select(*fields, fn.COUNT(peewee.SQL("*")))
    for row in grouped.group_by(*positions).tuples():
        office, day_, team, destination, *rest, n = row
        yield (office, queries.read_day(day_), team, destination), rest, n


def _cases(counts: Counter, zone: str, ids: list[int]) -> None:
    """Cases referred, by day; by regency, stated purpose, and risk signal fired (split by
    whether the case was then refused). One pass over the cases' rows, read raw from the cursor
    (peewee's Database.execute): grouping them in SQL by their list of signals (text that
    differs from case to case) sorted as many groups as cases, and converting each value
    through its field took most of a rebuild's time at 100,000 cases."""
    day = queries.local_day(Case.created_at, zone)
    query = Case.select(
        Case.office,
        day,
        Case.team,
        Case.destination_country,
        fn.SUBSTR(Case.district_code, 1, 5),
        Case.purpose,
        Case.risk_signals,
        Case.state == case_states.REFUSED,
    ).where(Case.office.in_(ids))
    days: dict = {}
    fired: dict[str, list[str]] = {}
    for office, day_, team, destination, regency, purpose, text, refused in database.execute(query):
        if day_ not in days:
            days[day_] = queries.read_day(day_)
        where = (office, days[day_], team, destination)
        counts[(*where, "referred", "")] += 1
        counts[(*where, "region", regency or queries.UNKNOWN)] += 1
        counts[(*where, "purpose", purpose)] += 1
        if text not in fired:
            fired[text] = [signal["id"] for signal in json.loads(text or "[]")]
        measure = "signal_refused" if refused else "signal_not_refused"
        for signal in fired[text]:
            counts[(*where, measure, signal)] += 1


def _visits(counts: Counter, zone: str, ids: list[int]) -> None:
    """Field visits stored (every submission), and cases checked (their first visit)."""
    base = FieldVisit.select().join(Case).where(Case.office.in_(ids))
    first = FieldVisit.amends.is_null() & (
        FieldVisit.flag.is_null() | (FieldVisit.flag != "second")
    )
    for where, _, n in _grouped(base, FieldVisit.received_at, zone):
        counts[(*where, "visits", "")] += n
    for where, _, n in _grouped(base.where(first), FieldVisit.received_at, zone):
        counts[(*where, "checked", "")] += n


def _decisions(counts: Counter, zone: str, ids: list[int]) -> None:
    base = Decision.select().join(Case).where(Case.office.in_(ids))
    for where, (outcome,), n in _grouped(base, Decision.decided_at, zone, Decision.outcome):
        counts[(*where, outcome, "")] += n


def _registry(counts: Counter, zone: str, ids: list[int]) -> None:
    base = (
        RegistryQuestion.select()
        .join(Case)
        .where(Case.office.in_(ids) & RegistryQuestion.answer.is_null(False))
    )
    kind, answer = RegistryQuestion.kind, RegistryQuestion.answer
    for where, (k, a), n in _grouped(base, RegistryQuestion.answered_at, zone, kind, answer):
        counts[(*where, "registry", f"{k}:{a}")] += n


def _returns(counts: Counter) -> None:
    """Returns for correction, read from the audit trail (the case's row keeps no date of it),
    each counted on its case's office's day."""
    events = (
        AuditEvent.select(AuditEvent.subject_id, AuditEvent.at)
        .where((AuditEvent.action == queries.RETURN_ACTION) & (AuditEvent.subject_type == "case"))
        .tuples()
    )
    moments = [(int(subject), at) for subject, at in events if subject.isdigit()]
    ids = sorted({case_id for case_id, _ in moments})
    cases = {}
    for start in range(0, len(ids), queries.BATCH):
        query = (
            Case.select(Case.id, Case.office, Office.time_zone, Case.team, Case.destination_country)
            .join(Office)
            .where(Case.id.in_(ids[start : start + queries.BATCH]))
        )
        cases.update({row[0]: row[1:] for row in query.tuples()})
    for case_id, at in moments:
        if case_id in cases:
            office, zone, team, destination = cases[case_id]
            day = (at + timedelta(hours=rules.OFFSET_HOURS[zone])).date()
            counts[(office, day, team, destination, "returned", "")] += 1


def _rows(counts: Counter):
    """The summary's rows as tuples of COLUMNS: each day's ("d") and each month's ("m"), by
    team and destination; and the same summed over every team and destination ("D", "M"),
    which a dashboard without those filters reads (a tenth of the rows at 100,000 cases). The
    stated purpose keeps its destination there: its table counts them together."""
    rolled: Counter = Counter()
    for (office, day, team, destination, measure, key), n in counts.items():
        kept = destination if measure == "purpose" else None
        for grain, period in (("d", day), ("m", day.replace(day=1))):
            rolled[(office, grain, period, team, destination, measure, key)] += n
            rolled[(office, grain.upper(), period, None, kept, measure, key)] += n
    for (office, grain, period, team, destination, measure, key), n in rolled.items():
        yield (office, grain, period, team, destination, measure, key[:64], n)


def _insert(rows) -> None:
    """The rows inserted through the DB-API cursor (peewee's public `cursor()`), ROWS_A_STATEMENT
    to one INSERT: at 100,000 cases a rebuild writes some 250,000 rows, which peewee's
    insert_many builds as SQL at 70 microseconds a row, and which psycopg's executemany sends
    one round trip a row. Days go as ISO text, which both databases read into a DATE column."""
    table = StatisticsCount._meta.table_name
    names = ", ".join(f'"{name}"' for name in COLUMNS)
    one = "(" + ", ".join([database.param] * len(COLUMNS)) + ")"
    cursor = database.cursor()
    batch: list = []
    for office, grain, period, *rest in rows:
        batch.append((office, grain, period.isoformat(), *rest))
        if len(batch) == ROWS_A_STATEMENT:
            _insert_batch(cursor, table, names, one, batch)
            batch = []
    if batch:
        _insert_batch(cursor, table, names, one, batch)


def _insert_batch(cursor, table: str, names: str, one: str, batch: list) -> None:
    values = ", ".join([one] * len(batch))
    sql = f'INSERT INTO "{table}" ({names}) VALUES {values}'  # noqa: S608 (our own names)
    cursor.execute(sql, [value for row in batch for value in row])
