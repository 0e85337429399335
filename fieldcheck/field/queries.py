"""What the field officer's pages read: the team's cases on the phone, one case, and the
returned visit that prefills its form."""

import json

import peewee

from fieldcheck.cases.query import visible_cases
from fieldcheck.domain import case_states
from fieldcheck.models import Case, FamilyMember, FieldVisit, Region, User


def phone_cases(officer: User) -> list[Case]:
    """The officer's team's cases a phone holds (case_states.ON_PHONE): the ones returned for
    correction first, then soonest due first."""
    returned_first = peewee.Case(None, [(Case.state == case_states.RETURNED, 0)], 1)
    return list(
        visible_cases(officer)
        .where(Case.state.in_(case_states.ON_PHONE))
        .order_by(returned_first, Case.due_date.asc(nulls="LAST"), Case.id)
    )


def place_names(cases: list[Case]) -> dict[str, str]:
    """The names of the cases' villages and districts, by region code, in one query."""
    codes = {code for c in cases for code in (c.village_code, c.district_code) if code}
    if not codes:
        return {}
    return {r.code: r.name for r in Region.select().where(Region.code.in_(codes))}


def team_case(officer: User, case_id: int) -> Case | None:
    """One case of the officer's team, with its team, or None (never another team's)."""
    return visible_cases(officer).where(Case.id == case_id).first()


def returned_visit(case: Case) -> FieldVisit | None:
    """The latest visit a supervisor returned with a comment, when the case is back with the
    officer for correction."""
    if case.state != case_states.RETURNED:
        return None
    return (
        FieldVisit.select()
        .where((FieldVisit.case == case) & FieldVisit.returned_comment.is_null(False))
        .order_by(FieldVisit.id.desc())
        .first()
    )


def prefill(visit: FieldVisit) -> dict:
    """The returned visit as the form's values, so the officer corrects instead of retyping."""
    interview = json.loads(visit.interview or "{}")
    return {
        "household": {
            "address_found": visit.address_found,
            "met_name": visit.met_name,
            "met_relation": visit.met_relation,
            "applicant_lives_there": visit.applicant_lives_there,
            "aware_of_trip": visit.household_aware_of_trip,
            "purpose_matches": visit.household_purpose_matches,
            "account": visit.household_account,
            "living_conditions": visit.living_conditions,
        },
        "gps": {
            "status": visit.gps_status,
            "lat": visit.gps_lat,
            "lon": visit.gps_lon,
            "accuracy_m": visit.gps_accuracy_m,
        },
        "family": [
            {
                "uuid": m.uuid,
                "relation": m.relation,
                "kk_relation": m.kk_relation,
                "name": m.name,
                "nik": m.nik,
                "birth_date": m.birth_date.isoformat() if m.birth_date else None,
                "alive": m.alive,
                "present": m.present,
            }
            for m in visit.family.order_by(FamilyMember.id)
        ],
        "interview": interview,
        "photos": json.loads(visit.photos or "[]"),
        "assessment": visit.assessment,
        "recommendation": visit.recommendation,
    }
