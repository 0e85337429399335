"""What the supervisor's desk reads: the queue's parts, the evidence of a case, its decisions."""

import json
from dataclasses import dataclass
from datetime import date

import peewee

from fieldcheck.cases import query as case_query
from fieldcheck.domain import case_states, identity
from fieldcheck.models import (
    Case,
    Decision,
    FamilyMember,
    FieldReport,
    FieldVisit,
    RegistryQuestion,
    RepatriatedVictim,
    Team,
    User,
)
from fieldcheck.repatriation import queries as repatriation

# Issue 16: the same applicant in other offices, and the prevention list's hold, as the case
# page shows them.
seen_elsewhere = case_query.seen_elsewhere
on_hold = case_query.on_hold

# At most this many rows in each of the queue's long parts (overdue cases, flagged submissions).
QUEUE_LIMIT = 100


def queue_under_review(office_id: int) -> list[Case]:
    """An office's cases waiting for a supervisor's decision, the longest waiting first."""
    return list(
        Case.select()
        .where((Case.office == office_id) & (Case.state == case_states.UNDER_REVIEW))
        .order_by(Case.updated_at, Case.id)
    )


def queue_overdue(office_id: int, today: date) -> list[Case]:
    """An office's open cases past their due date on `today` (the office's day): the case
    list's rule, Case.overdue_on, so the queue and the list's filter agree."""
    return list(
        Case.select()
        .where((Case.office == office_id) & Case.overdue_on(today))
        .order_by(Case.due_date)
        .limit(QUEUE_LIMIT)
    )


def queue_flagged(office_id: int) -> list[FieldVisit]:
    """An office's late, second and conflicting submissions, the newest first."""
    return list(
        FieldVisit.select(FieldVisit, Case)
        .join(Case)
        .where((Case.office == office_id) & FieldVisit.flag.is_null(False))
        .order_by(FieldVisit.received_at.desc())
        .limit(QUEUE_LIMIT)
    )


def workload(office_id: int) -> list[Team]:
    """An office's teams by name, each with `open_cases`: how many open cases it holds."""
    open_case = (Case.team == Team.id) & Case.state.in_(case_states.OPEN_STATES)
    return list(
        Team.select(Team, peewee.fn.COUNT(Case.id).alias("open_cases"))
        .join(Case, peewee.JOIN.LEFT_OUTER, on=open_case)
        .where(Team.office == office_id)
        .group_by(Team.id)
        .order_by(Team.name)
    )


@dataclass
class Queue:
    """The supervisor's queue: its lists of work and the teams' workload."""

    under_review: list[Case]
    overdue: list[Case]
    flagged: list[FieldVisit]
    workload: list[Team]
    # Issue 16: verified cases whose applicant came back a trafficking victim, to look at again.
    repatriated: list[RepatriatedVictim]

    @property
    def parts(self) -> dict[str, int]:
        """How many rows each list shows (for the audit event of the queue's read)."""
        return {
            "under_review": len(self.under_review),
            "overdue": len(self.overdue),
            "flagged": len(self.flagged),
            "repatriated": len(self.repatriated),
        }


def queue(office_id: int, today: date) -> Queue:
    """An office's review queue on `today`, the office's day."""
    return Queue(
        queue_under_review(office_id),
        queue_overdue(office_id, today),
        queue_flagged(office_id),
        workload(office_id),
        repatriation.pending_review(office_id, QUEUE_LIMIT),
    )


def case_for_review(user: User, case_id: int) -> Case | None:
    """A case the supervisor may see (their office's), with its team."""
    return case_query.visible_cases(user).where(Case.id == case_id).first()


@dataclass
class Evidence:
    """Everything a supervisor weighs before deciding: the submissions, the one that counts
    (Case.latest_visit) with its family, interview and photos, the registry's answers, the
    decisions and reports so far, the risk signals and findings, and what the NIK says."""

    visits: list[FieldVisit]
    current: FieldVisit | None
    family: list[FamilyMember]
    interview: dict
    photos: list
    questions: list[RegistryQuestion]
    open_questions: int
    decisions: list[Decision]
    reports: list[FieldReport]
    signals: list
    findings: list
    decoded: identity.NikResult
    compared_answers: list  # intake's and the field's answers to the questions both ask (issue 15)


def evidence(case: Case) -> Evidence:
    """The evidence of a case, for its review page."""
    current = case.latest_visit()
    interview = json.loads(current.interview) if current else {}
    return Evidence(
        visits=list(
            FieldVisit.select()
            .where(FieldVisit.case == case)
            .order_by(FieldVisit.received_at.desc())
        ),
        current=current,
        family=list(current.family.order_by(FamilyMember.id)) if current else [],
        interview=interview,
        photos=json.loads(current.photos) if current else [],
        questions=list(
            RegistryQuestion.select()
            .where(RegistryQuestion.case == case)
            .order_by(RegistryQuestion.id)
        ),
        open_questions=case.open_registry_questions(),
        decisions=list(Decision.select().where(Decision.case == case).order_by(Decision.id)),
        reports=list(FieldReport.select().where(FieldReport.case == case).order_by(FieldReport.id)),
        signals=json.loads(case.risk_signals or "[]"),
        findings=list(case.findings),
        decoded=identity.decode_nik(case.nik, case.application_date),
        compared_answers=case_query.answers_of(case, interview),
    )


def refusal(case: Case) -> Decision | None:
    """The case's latest refusal: what its printed decision record shows."""
    return (
        Decision.select()
        .where((Decision.case == case) & (Decision.outcome == "refused"))
        .order_by(Decision.id.desc())
        .first()
    )


def standing_verification(case: Case) -> Decision | None:
    """The case's latest verification not revoked yet: what a revocation withdraws."""
    return (
        Decision.select()
        .where(
            (Decision.case == case)
            & (Decision.outcome == "verified")
            & Decision.revoked_at.is_null()
        )
        .order_by(Decision.id.desc())
        .first()
    )


def revoked_report_ids() -> set[str]:
    """The ids of every revoked field report (a check of a report's QR answers REVOKED)."""
    return {
        report_id
        for (report_id,) in FieldReport.select(FieldReport.report_id)
        .where(FieldReport.revoked_at.is_null(False))
        .tuples()
    }
