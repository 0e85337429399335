"""The same applicant seen in another office (issue 16): a new case is looked for in the other
offices' cases, refused or under a field check within 24 months (fieldcheck.domain.watch).

What is found becomes a finding of the new case (the office and the date, nothing else of the
other case), which fires a risk signal, and a link between the two cases, by which each office's
supervisors see the other's office, state and date. Applicants who try one office after another
after a refusal are what a syndicate's recruits do.
"""

from dataclasses import dataclass

from fieldcheck import events
from fieldcheck.accounts import Actor
from fieldcheck.audit import CASE_SEEN_ELSEWHERE
from fieldcheck.cases import query, service
from fieldcheck.db import transaction
from fieldcheck.domain import watch
from fieldcheck.models import Case, CaseLink

# The finding each kind of sighting becomes (fieldcheck.errors.MESSAGES words them).
FINDINGS = {watch.REFUSED: "seen_refused_elsewhere", watch.IN_CHECK: "seen_in_check_elsewhere"}


@dataclass(frozen=True)
class Found:
    """A finding to record (cases.service.add_findings takes its code and params)."""

    code: str
    params: dict
    severity: str = "warning"


@events.case_created.connect
def _look_in_other_offices(case: Case, actor: Actor, **_):
    link_to_other_offices(actor, case)


def link_to_other_offices(actor: Actor, case: Case) -> list[watch.Sighting]:
    """Link a new case to the same applicant's refused or open cases in other offices (within
    24 months of the office's today), audited; its risk evaluated again with what was found."""
    applicant = {"name": case.applicant_name, "nik": case.nik, "birth_date": case.birth_date}
    today = watch.day_in(actor.at, case.office.time_zone)
    found = watch.sightings(applicant, query.earlier_cases_elsewhere(case), today)
    if not found:
        return []
    with transaction():
        CaseLink.insert_many(
            [
                {"case": case.id, "other": s.case_id, "matched_by": s.basis, "created_at": actor.at}
                for s in found
            ]
        ).execute()
        actor.record(
            CASE_SEEN_ELSEWHERE,
            case,
            {"others": [{"case": s.case_id, "kind": s.kind, "matched_by": s.basis} for s in found]},
        )
        newest = {}
        for sighting in found:  # newest first: the first of each kind is the one shown
            newest.setdefault(sighting.kind, sighting)
        findings = [
            Found(FINDINGS[kind], {"office": s.office, "on": s.on.isoformat()})
            for kind, s in newest.items()
        ]
        service.add_findings(actor, case, "history", findings)
    return found
