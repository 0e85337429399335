"""The app's handlers for the sync engine: what each operation a phone pushes does here.

visit.submit   a field verification (household, family, interview, GPS, photos, assessment)
visit.amend    a corrected verification, after a supervisor returned the first one
note.add       a note on a case

Every handler keeps what the officer recorded: a submission for a case that moved on while
the officer was offline is stored and flagged `late`; a second submission for a case is
stored and flagged `second`; an amendment made on an old version is stored as a `conflict`.
Only what cannot be read at all is rejected, with per-field codes, for the officer to mend.
"""

import json

from flask import current_app

from fieldcheck.accounts import Actor
from fieldcheck.cases import service
from fieldcheck.db import is_postgres
from fieldcheck.domain import case_states, visits
from fieldcheck.models import Case, CaseNote, FamilyMember, FieldVisit
from fieldcheck.registry import service as registry
from sync import APPLIED, CONFLICT, Handlers, Outcome, Rejected

VISIT_SUBMIT = "visit.submit"
VISIT_AMEND = "visit.amend"
NOTE_ADD = "note.add"

DECIDED = (case_states.VERIFIED, case_states.REFUSED, case_states.REVOKED, case_states.CANCELLED)
HAS_SUBMISSION = (
    case_states.SUBMITTED,
    case_states.REGISTRY_CHECK,
    case_states.UNDER_REVIEW,
    case_states.RETURNED,
)

handlers = Handlers()


def team_scope(team_id) -> str:
    return f"team:{team_id}"


def _actor(ctx) -> Actor:
    return Actor(ctx.principal, ctx.now, ctx.device and f"device:{ctx.device}"[:64])


def _officers_case(case_id, officer, engine) -> Case:
    """The case, if it is or ever was with the officer's team; anything else is not theirs."""
    query = Case.select().where(Case.id == case_id)
    if is_postgres():
        # Two officers submitting for one case at once: the second waits and sees the first.
        query = query.for_update()
    case = query.first()
    if case is None or officer.team_id is None:
        raise Rejected(
            "case_not_found",
            "no such case for your team",
            [{"field": "case_id", "code": "case_not_found"}],
        )
    if case.team_id == officer.team_id:
        return case
    if engine.has_changed(team_scope(officer.team_id), "case", case.id):
        return case  # it was the team's: a late submission, kept for the supervisor
    raise Rejected(
        "case_not_found",
        "no such case for your team",
        [{"field": "case_id", "code": "case_not_found"}],
    )


def _late_reason(case: Case, officer) -> str | None:
    if case.team_id != officer.team_id:
        return "reassigned"
    if case.state in DECIDED:
        return case.state
    return None


def _clean(op) -> dict:
    if op.record_id is None:
        raise Rejected(
            "record_id_missing",
            "the operation needs a record_id",
            [{"field": "record_id", "code": "required"}],
        )
    check = visits.validate_visit(op.payload, now=current_app.extensions["clock"].now())
    if check.errors:
        raise Rejected("invalid", "some fields need mending", check.errors)
    if FieldVisit.select().where(FieldVisit.uuid == op.record_id).exists():
        raise Rejected(
            "record_exists",
            "a visit with this record_id is stored already",
            [{"field": "record_id", "code": "duplicate"}],
        )
    return check.clean


def _store_visit(op, ctx, engine, case, clean, *, flag, reason, amends=None) -> FieldVisit:
    household, gps, interview = clean["household"], clean["gps"], clean["interview"]
    photos = clean.get("photos", [])
    visit = FieldVisit.create(
        uuid=op.record_id,
        case=case,
        officer=ctx.principal,
        op_id=op.op_id,
        amends=amends,
        base_version=op.base_version,
        flag=flag,
        flag_reason=reason,
        visited_at=clean["visited_at"],
        received_at=ctx.now,
        address_found=household["address_found"],
        met_name=household.get("met_name"),
        met_relation=household.get("met_relation"),
        applicant_lives_there=household.get("applicant_lives_there"),
        household_aware_of_trip=household.get("aware_of_trip"),
        household_purpose_matches=household.get("purpose_matches"),
        household_account=household.get("account") or "",
        living_conditions=household.get("living_conditions") or "",
        gps_status=gps["status"],
        gps_lat=gps.get("lat"),
        gps_lon=gps.get("lon"),
        gps_accuracy_m=gps.get("accuracy_m"),
        interview=json.dumps(interview, default=str, sort_keys=True),
        recruiter_phone=interview.get("recruiter_phone"),
        recruiter_name=interview.get("recruiter_name"),
        photos=json.dumps(photos),
        assessment=clean.get("assessment") or "",
        recommendation=clean["recommendation"],
    )
    members = clean.get("family", [])
    if members:
        FamilyMember.insert_many(
            [
                {
                    "visit": visit.id,
                    "uuid": m["uuid"],
                    "relation": m["relation"],
                    "kk_relation": m.get("kk_relation"),
                    "name": m["name"],
                    "nik": m.get("nik"),
                    "birth_date": m.get("birth_date"),
                    "alive": m.get("alive", True),
                    "present": m.get("present", False),
                }
                for m in members
            ]
        ).execute()
    missing = engine.await_media(f"visit:{visit.uuid}", [p["sha256"] for p in photos], ctx.now)
    if missing:
        visit.status = "incomplete"
        visit.save(only=[FieldVisit.status])
    visit.missing_photos = missing
    return visit


def _outcome(visit: FieldVisit, case: Case, action: str, actor: Actor) -> Outcome:
    actor.record(
        action,
        ("visit", visit.uuid),
        {
            "case": case.id,
            "status": visit.status,
            "flag": visit.flag,
            "reason": visit.flag_reason,
            "family": visit.family.count(),
            "photos_missing": len(visit.missing_photos),
        },
    )
    result = {
        "visit_id": visit.uuid,
        "case_id": case.id,
        "status": visit.status,
        "flag": visit.flag,
        "missing_photos": visit.missing_photos,
        "case_state": case.state,
        "case_version": case.version,
    }
    if visit.flag:
        return Outcome(CONFLICT, result, reason=visit.flag_reason)
    return Outcome(APPLIED, result)


@handlers.register(VISIT_SUBMIT)
def submit_visit(op, ctx, engine) -> Outcome:
    """A field verification: stored; the case moves to `submitted` unless it moved on."""
    clean = _clean(op)
    officer, actor = ctx.principal, _actor(ctx)
    case = _officers_case(clean["case_id"], officer, engine)
    flag = reason = None
    late = _late_reason(case, officer)
    if late:
        flag, reason = "late", f"case {late} while the officer was offline"
    elif case.state in HAS_SUBMISSION:
        flag, reason = "second", "the case has a submission already: kept for the supervisor"
    visit = _store_visit(op, ctx, engine, case, clean, flag=flag, reason=reason)
    if flag is None:
        service.move(actor, case, "submit", role=officer.role)
        registry.after_submission(actor, case, visit)
        service.reevaluate(actor, case, source="field")
    return _outcome(visit, case, audit_action(VISIT_SUBMIT), actor)


@handlers.register(VISIT_AMEND)
def amend_visit(op, ctx, engine) -> Outcome:
    """A corrected verification for a returned one; made on an old version, it is a conflict."""
    clean = _clean(op)
    officer, actor = ctx.principal, _actor(ctx)
    original = FieldVisit.get_or_none(FieldVisit.uuid == clean.get("amends"))
    if original is None:
        raise Rejected(
            "amends_unknown",
            "the visit to amend is not known",
            [{"field": "amends", "code": "not_found"}],
        )
    case = _officers_case(original.case_id, officer, engine)
    if case.id != clean["case_id"]:
        raise Rejected(
            "invalid",
            "the amendment names another case",
            [{"field": "case_id", "code": "mismatch"}],
        )
    flag = reason = None
    late = _late_reason(case, officer)
    if late:
        flag, reason = "late", f"case {late} while the officer was offline"
    elif case.state != case_states.RETURNED or original.returned_comment is None:
        flag, reason = "conflict", "the case is no longer returned for correction"
    elif op.base_version is not None and op.base_version != case.version:
        flag, reason = (
            "conflict",
            (f"made on case version {op.base_version}, the case is at version {case.version}"),
        )
    visit = _store_visit(op, ctx, engine, case, clean, flag=flag, reason=reason, amends=original)
    if flag is None:
        service.move(actor, case, "resubmit", role=officer.role)
        registry.after_submission(actor, case, visit)
        service.reevaluate(actor, case, source="field")
    return _outcome(visit, case, audit_action(VISIT_AMEND), actor)


@handlers.register(NOTE_ADD)
def add_note(op, ctx, engine) -> Outcome:
    """A note on a case; on a case that moved on it is kept and flagged late."""
    text = op.payload.get("text")
    text = visits.clean_text(text) if isinstance(text, str) else text
    errors = []
    if not isinstance(text, str) or not text.strip():
        errors.append({"field": "text", "code": "required"})
    elif len(text) > 4000:
        errors.append({"field": "text", "code": "too_long", "params": {"max": 4000}})
    case_id = op.payload.get("case_id")
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        errors.append({"field": "case_id", "code": "required"})
    elif not 0 < case_id < 2**31:
        errors.append({"field": "case_id", "code": "out_of_range"})
    if op.record_id is None:
        errors.append({"field": "record_id", "code": "required"})
    if errors:
        raise Rejected("invalid", "some fields need mending", errors)
    if CaseNote.select().where(CaseNote.uuid == op.record_id).exists():
        raise Rejected(
            "record_exists",
            "a note with this record_id is stored already",
            [{"field": "record_id", "code": "duplicate"}],
        )
    officer, actor = ctx.principal, _actor(ctx)
    case = _officers_case(case_id, officer, engine)
    late = _late_reason(case, officer)
    note = CaseNote.create(
        uuid=op.record_id,
        case=case,
        author=officer,
        text=text.strip(),
        flag="late" if late else None,
        written_at=ctx.now,
        received_at=ctx.now,
    )
    actor.record("note.add", ("case", case.id), {"note": note.uuid, "flag": note.flag})
    result = {"note_id": note.uuid, "case_id": case.id, "flag": note.flag}
    if late:
        return Outcome(CONFLICT, result, reason=f"case {late} while the officer was offline")
    return Outcome(APPLIED, result)


def audit_action(kind: str) -> str:
    return kind  # the operation types are already `noun.verb`


def complete_visits(owners: list[str], actor: Actor):
    """Photos arrived: the visits that waited for them are complete now."""
    uuids = [o.removeprefix("visit:") for o in owners if o.startswith("visit:")]
    for visit in FieldVisit.select().where(FieldVisit.uuid.in_(uuids)):
        visit.status = "complete"
        visit.save(only=[FieldVisit.status])
        actor.record("visit.complete", ("visit", visit.uuid), {"case": visit.case_id})
