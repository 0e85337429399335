"""What the repatriated victims' pages and their matching read: each office's records, the
cases a file's records could be, the loads, and the field check beside a record."""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import peewee

from fieldcheck.domain import case_states
from fieldcheck.models import (
    Case,
    Decision,
    FieldReport,
    FieldVisit,
    Office,
    RepatriatedVictim,
    RepatriationImport,
    User,
)

PAGE_SIZE = 100
CHUNK = 500  # values a statement asks about at once, under any database's limit


def office_codes() -> dict[str, int]:
    """Every office's id by its code (a file names the issuing office by its code)."""
    return {
        code.upper(): office_id
        for office_id, code in Office.select(Office.id, Office.code).tuples()
    }


def _chunks(values: Iterable) -> Iterable[list]:
    values = sorted(set(values))
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def candidates(office_id: int, records: list[dict]) -> list[dict]:
    """The office's cases that could be one of these records' people: the same NIK, the same
    application number or the same birth date (each indexed), as the rows
    fieldcheck.domain.watch.victim_match weighs, `has_report` telling a verified one."""
    has_report = peewee.fn.EXISTS(
        FieldReport.select(peewee.SQL("1")).where(FieldReport.case == Case.id)
    )
    columns = (
        Case.id,
        Case.application_number,
        Case.nik,
        Case.applicant_name.alias("name"),
        Case.birth_date,
        Case.application_date,
        Case.state,
        has_report.alias("has_report"),
    )
    found = {}
    wanted = (
        (Case.nik, [r["nik"] for r in records if r.get("nik")]),
        (
            Case.application_number,
            [r["application_number"] for r in records if r.get("application_number")],
        ),
        (Case.birth_date, [r["birth_date"] for r in records if r.get("birth_date")]),
    )
    # By the office's application numbers (its own index), or by NIK or birth date with the
    # office as a filter only: `office + 0` keeps SQLite, which has no statistics unless
    # ANALYZE ran, from walking one of the many indexes led by the office (thousands of rows
    # an office) instead of the NIK's or the birth date's (a handful). PostgreSQL, which has
    # them, picks the same; `make bench` (bench/repatriation.py) shows the difference.
    for column, values in wanted:
        office = Case.office == office_id
        if column is not Case.application_number:
            office = (Case.office + 0) == office_id
        for chunk in _chunks(values):
            query = Case.select(*columns).where(office & column.in_(chunk))
            for row in query.dicts():
                row["has_report"] = bool(row["has_report"])
                found[row["id"]] = row
    return list(found.values())


def latest_reports(case_ids: Iterable[int]) -> dict[int, int]:
    """Each case's newest field report id (a case verified again has several)."""
    latest = {}
    for chunk in _chunks(case_ids):
        query = (
            FieldReport.select(FieldReport.case, peewee.fn.MAX(FieldReport.id))
            .where(FieldReport.case.in_(chunk))
            .group_by(FieldReport.case)
            .tuples()
        )
        latest.update(query)
    return latest


def loads() -> list[RepatriationImport]:
    """Every file loaded, the latest first, with who loaded it."""
    return list(
        RepatriationImport.select(RepatriationImport, User)
        .join(User, peewee.JOIN.LEFT_OUTER, on=(RepatriationImport.loaded_by == User.id))
        .order_by(RepatriationImport.loaded_at.desc(), RepatriationImport.id.desc())
    )


@dataclass
class Row:
    """A record as its office's list shows it."""

    id: int
    name: str
    nik: str | None
    returned_on: object
    destination_country: str | None
    case_id: int | None
    application_number: str | None
    matched_by: str | None
    review_state: str | None


def office_records(office_id: int, page: int = 1) -> tuple[list[Row], bool]:
    """A page of the office's records, the latest return first; whether there is a next."""
    query = (
        RepatriatedVictim.select(
            RepatriatedVictim.id,
            RepatriatedVictim.name,
            RepatriatedVictim.nik,
            RepatriatedVictim.returned_on,
            RepatriatedVictim.destination_country,
            Case.id,
            Case.application_number,
            RepatriatedVictim.matched_by,
            RepatriatedVictim.review_state,
        )
        .join(Case, peewee.JOIN.LEFT_OUTER, on=(RepatriatedVictim.case == Case.id))
        .where(RepatriatedVictim.office == office_id)
        .order_by(RepatriatedVictim.returned_on.desc(), RepatriatedVictim.id.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
        .tuples()
    )
    rows = [
        Row(*row[:3], RepatriatedVictim.returned_on.python_value(row[3]), *row[4:]) for row in query
    ]
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def pending_review(office_id: int, limit: int = 100) -> list[RepatriatedVictim]:
    """The office's records whose passport followed a verified field check, not yet reviewed
    by a supervisor, the oldest return first (the review queue's part)."""
    return list(
        RepatriatedVictim.select(RepatriatedVictim, Case)
        .join(Case, on=(RepatriatedVictim.case == Case.id))
        .where(
            (RepatriatedVictim.office == office_id) & (RepatriatedVictim.review_state == "pending")
        )
        .order_by(RepatriatedVictim.returned_on, RepatriatedVictim.id)
        .limit(limit)
    )


def office_record(office_id: int, record_id: int) -> RepatriatedVictim | None:
    """One record sent to this office; None for another office's."""
    return RepatriatedVictim.get_or_none(
        (RepatriatedVictim.id == record_id) & (RepatriatedVictim.office == office_id)
    )


@dataclass
class FieldCheck:
    """What the office's field check found before the passport: the case, its decision, the
    submission that counted, its interview and the risk signals then."""

    case: Case
    visit: FieldVisit | None
    interview: dict
    decision: Decision | None
    signals: list
    same_recruiter_phone: bool


def field_check(record: RepatriatedVictim) -> FieldCheck | None:
    """The field check beside a record (None: the passport was issued without one)."""
    if record.case_id is None:
        return None
    case = Case.get_by_id(record.case_id)
    visit = case.latest_visit()
    decision = (
        Decision.select()
        .where((Decision.case == case) & (Decision.outcome == case_states.VERIFIED))
        .order_by(Decision.id.desc())
        .first()
    )
    interview = json.loads(visit.interview) if visit else {}
    same = bool(
        record.recruiter_phone and visit and visit.recruiter_phone == record.recruiter_phone
    )
    return FieldCheck(case, visit, interview, decision, json.loads(case.risk_signals or "[]"), same)


def office_counts(records: Iterable[dict]) -> dict[int, int]:
    """How many records go to each office."""
    counts = defaultdict(int)
    for record in records:
        counts[record["office"]] += 1
    return dict(counts)
