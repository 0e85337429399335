"""The app's handlers for the sync engine: what each operation a phone pushes does here.

visit.submit   a field verification (household, family, interview, GPS, photos, assessment)
visit.amend    a corrected verification, after a supervisor returned the first one
note.add       a note on a case

Every handler keeps what the officer recorded: a submission for a case that moved on while
the officer was offline is stored and flagged `late`; a second submission for a case is
stored and flagged `second`; an amendment made on an old version is stored as a `conflict`.
Only what cannot be read at all is rejected, with per-field codes, for the officer to mend.
"""

import functools
import json
from types import SimpleNamespace

from flask import current_app

from fieldcheck import audit, events
from fieldcheck.accounts import Actor
from fieldcheck.audit import (  # the one vocabulary of actions
    NOTE_ADD,
    VISIT_AMEND,
    VISIT_COMPLETE,
    VISIT_SUBMIT,
)
from fieldcheck.cases import service
from fieldcheck.db import is_postgres, one_of
from fieldcheck.domain import case_states, visits, watch
from fieldcheck.errors import coded
from fieldcheck.models import (
    Case,
    CaseFinding,
    CaseNote,
    FamilyMember,
    FieldVisit,
    RegistryQuestion,
)
from fieldcheck.prevention import queries as prevention_queries
from fieldcheck.prevention import service as prevention
from fieldcheck.registry import service as registry
from sync import APPLIED, CONFLICT, Handlers, Outcome, Rejected

DECIDED = (case_states.VERIFIED, case_states.REFUSED, case_states.REVOKED, case_states.CANCELLED)
HAS_SUBMISSION = (
    case_states.SUBMITTED,
    case_states.REGISTRY_CHECK,
    case_states.UNDER_REVIEW,
    case_states.RETURNED,
)

handlers = Handlers()

# How a visit's interview is stored (made once: json.dumps with options makes a new encoder at
# every call).
_INTERVIEW_JSON = json.JSONEncoder(default=str, sort_keys=True)


def apply_push(engine, body, context, finish=None) -> list[dict]:
    """A push applied (SyncEngine.push), the audit events it records written with its other
    rows at its end."""
    with audit.written_by(engine.insert):
        return engine.push(body, context, finish=finish)


def team_scope(team_id) -> str:
    return f"team:{team_id}"


def _actor(ctx) -> Actor:
    return Actor(ctx.principal, ctx.now, ctx.device and f"device:{ctx.device}"[:64])


def _locked(query):
    # Two officers submitting for one case at once: the second waits and sees the first.
    return query.for_update() if is_postgres() else query


class Lookups:
    """What a push has looked up, so that each submission asks the database only to store what
    it brings (prepare_submissions fills it for all the push's submissions in a few queries;
    what it lacks is read when first needed).

    The handlers hand the visits and questions to the engine (SyncEngine.insert_with_id: each
    given its key at once) and the case's changes (SyncEngine.update), all written at the
    push's end; they keep this up to date as they go. When an operation fails, the savepoint
    of its run of operations takes back what they wrote and the engine drops what they handed
    it (the ones before it are then applied again); what they looked up or changed here is
    forgotten (`forget`), to be read again: from the database, with the changes the push's
    other operations will still write (SyncEngine.held_updates).
    """

    def __init__(self):
        self.engine = None  # the SyncEngine applying the push
        self.cases = {}  # case id -> Case (locked on PostgreSQL), as changed by the push
        self.checks = {}  # op id -> visits.validate_visit's result
        self.looked_up = set()  # record ids prepare_submissions looked for
        self.stored_visits = set()  # of those and the push's own, the record ids stored
        self.questions = {}  # case id -> {(kind, subject): RegistryQuestion}
        self.findings = {}  # case id -> [CaseFinding]
        self.touched = set()  # (what, key) the run of operations under way used: `forget`
        self.run = 0  # which run (PushContext.run) `touched` is of
        # Issue 16: the prevention-list entries that could name the push's people (looked up by
        # their NIKs and birth dates, once), and the offices' time zones.
        self.listed_rows = {}
        self.listed_niks, self.listed_dates = set(), set()
        self.zones = {}
        # What the parts that react to the push's visits keep for it (events.visits_arriving):
        # dropped whole by `forget`.
        self.shared = {}

    def case(self, case_id) -> Case | None:
        """The case as the push has changed it so far: the database's row (locked) with what
        the push's operations will still write to it."""
        self.touched.add(("case", case_id))
        if case_id not in self.cases:
            case = _locked(Case.select().where(Case.id == case_id)).first()
            if case is not None:
                for name, value in self.engine.held_updates(Case, case_id).items():
                    setattr(case, name, value)
            self.cases[case_id] = case
        return self.cases[case_id]

    def questions_of(self, case_id) -> dict:
        self.touched.add(("case", case_id))
        if case_id not in self.questions:
            query = RegistryQuestion.select().where(RegistryQuestion.case == case_id)
            held = [
                RegistryQuestion(**row)
                for row in self.engine.held_rows(RegistryQuestion)
                if row["case"] == case_id
            ]
            self.questions[case_id] = {(q.kind, q.subject): q for q in [*query, *held]}
        return self.questions[case_id]

    def findings_of(self, case_id) -> list:
        self.touched.add(("case", case_id))
        if case_id not in self.findings:
            self.findings[case_id] = list(CaseFinding.select().where(CaseFinding.case == case_id))
        return self.findings[case_id]

    def listed_entries(self, people: dict) -> list[dict]:
        """The prevention-list entries that could name these people (fieldcheck.domain.watch
        says which do): looked up once for the NIKs and birth dates not asked about yet."""
        niks = {p["nik"] for p in people.values() if p.get("nik")} - self.listed_niks
        dates = {watch.as_date(p.get("birth_date")) for p in people.values()} - {None}
        dates -= self.listed_dates
        if niks or dates:
            for row in prevention_queries.candidates(niks, dates):
                self.listed_rows[row["id"]] = row
            self.listed_niks |= niks
            self.listed_dates |= dates
        return list(self.listed_rows.values())

    def zone(self, office_id) -> str:
        """An office's time zone (WIB, WITA, WIT)."""
        if office_id not in self.zones:
            self.zones.update(prevention_queries.office_time_zones([office_id]))
        return self.zones.get(office_id, "WIB")

    def visit_stored(self, uuid) -> bool:
        if uuid in self.stored_visits:
            return True
        if uuid in self.looked_up:
            return False
        return FieldVisit.select().where(FieldVisit.uuid == uuid).exists()

    def stored_visit(self, visit):
        self.touched.add(("visit", visit.uuid))
        self.stored_visits.add(visit.uuid)

    def forget(self):
        """An operation failed and the savepoint of its run was rolled back: what the run's
        operations used here may hold what the rollback took back, so it is dropped, to be read
        again."""
        for what, key in self.touched:
            if what == "case":
                for held in (self.cases, self.questions, self.findings):
                    held.pop(key, None)
            else:
                self.stored_visits.discard(key)
        self.touched = set()
        self.shared.clear()


def _lookups(ctx, engine=None) -> Lookups:
    found = ctx.cache.get("lookups")
    if found is None:  # (not setdefault: that would make a Lookups at every call)
        found = ctx.cache["lookups"] = Lookups()
    if engine is not None:
        found.engine = engine
    return found


def _chunks(values, size=500):
    values = sorted(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def prepare_submissions(ops, ctx, engine):
    """Before a push's submissions are applied, for all of them at once: each one checked;
    their cases (locked in id order, so that two pushes naming the same cases wait for each
    other rather than deadlock), the cases' registry questions and findings; which record ids
    are stored already."""
    found = _lookups(ctx, engine)
    now = current_app.extensions["clock"].now()
    case_ids, uuids = set(), set()
    for op in ops:
        check = found.checks[op.op_id] = visits.validate_visit(op.payload, now=now)
        if check.errors:
            continue
        case_ids.add(check.clean["case_id"])
        if op.record_id is not None:
            uuids.add(op.record_id)
    for chunk in _chunks(case_ids - found.cases.keys()):
        query = Case.select().where(one_of(Case.id, chunk)).order_by(Case.id)
        found.cases.update((case.id, case) for case in _locked(query))
    for chunk in _chunks(uuids):
        query = FieldVisit.select(FieldVisit.uuid).where(one_of(FieldVisit.uuid, chunk))
        found.stored_visits.update(uuid for (uuid,) in query.tuples())
    for chunk in _chunks(case_ids - found.questions.keys()):
        for case_id in chunk:
            found.questions.setdefault(case_id, {})
            found.findings.setdefault(case_id, [])
        for q in RegistryQuestion.select().where(one_of(RegistryQuestion.case, chunk)):
            found.questions[q.case_id][(q.kind, q.subject)] = q
        for finding in CaseFinding.select().where(one_of(CaseFinding.case, chunk)):
            found.findings[finding.case_id].append(finding)
    found.looked_up |= uuids
    # Issue 16: everyone the submissions name, held against the prevention list in one look.
    people = {}
    for op in ops:
        check = found.checks[op.op_id]
        case = None if check.errors else found.cases.get(check.clean["case_id"])
        if case is not None:
            people.update(prevention.people_of(case, [], prefix=op.op_id)[0])
            for member in check.clean.get("family", []):
                people[f"{op.op_id}:{member['uuid']}"] = member
    found.listed_entries(people)
    # What the recruiters the visits name are linked to, looked up once (fieldcheck.recruiters).
    interviews = {}
    for op in ops:
        check = found.checks[op.op_id]
        if not check.errors and check.clean["case_id"] in found.cases:
            interviews.setdefault(check.clean["case_id"], []).append(check.clean["interview"])
    events.visits_arriving.send(None, cases=interviews, cache=found.shared, insert=engine.insert)


def _officers_case(case_id, officer, engine, ctx) -> Case:
    """The case, if it is or ever was with the officer's team; anything else is not theirs."""
    case = _lookups(ctx).case(case_id)
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


def _clean(op, ctx) -> dict:
    if op.record_id is None:
        raise Rejected(
            "record_id_missing",
            "the operation needs a record_id",
            [{"field": "record_id", "code": "required"}],
        )
    check = _lookups(ctx).checks.get(op.op_id) or visits.validate_visit(
        op.payload, now=current_app.extensions["clock"].now()
    )
    if check.errors:
        raise Rejected("invalid", "some fields need mending", check.errors)
    if _lookups(ctx).visit_stored(op.record_id):
        raise Rejected(
            "record_exists",
            "a visit with this record_id is stored already",
            [{"field": "record_id", "code": "duplicate"}],
        )
    return check.clean


def _store_visit(op, ctx, engine, case, clean, *, flag, reason, amends=None) -> SimpleNamespace:
    """The visit and its family members stored; `visit.members` and `visit.missing_photos` set."""
    household, gps, interview = clean["household"], clean["gps"], clean["interview"]
    photos = clean.get("photos", [])
    shas = [p["sha256"] for p in photos]
    missing = engine.await_media(f"visit:{op.record_id}", shas, ctx.now) if shas else []
    row = dict(
        uuid=op.record_id,
        case=case,
        officer=ctx.principal,
        op_id=op.op_id,
        amends=amends,
        base_version=op.base_version,
        flag=flag,
        flag_reason=reason,
        status="incomplete" if missing else "complete",
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
        interview=_INTERVIEW_JSON.encode(interview),
        recruiter_phone=interview.get("recruiter_phone"),
        recruiter_name=interview.get("recruiter_name"),
        photos=json.dumps(photos),
        assessment=clean.get("assessment") or "",
        recommendation=clean["recommendation"],
    )
    # The visit as the handlers and services read it (its fields by name, no model object to
    # build: the row is written by the engine).
    visit = SimpleNamespace(**row, case_id=case.id)
    visit.id = engine.insert_with_id(FieldVisit, row)  # its family rows point at it
    _lookups(ctx).stored_visit(visit)
    # The recruiter it names linked across cases (fieldcheck.recruiters), before the case's
    # risk is evaluated again.
    events.visit_stored.send(
        case,
        actor=_actor(ctx),
        visit_uuid=visit.uuid,
        interview=interview,
        cache=_lookups(ctx).shared,
    )
    rows = [{"visit": visit.id, **row} for row in member_rows(clean)]
    for row in rows:
        engine.insert(FamilyMember, row)  # with the push's other rows, at its end
    visit.members = [SimpleNamespace(**row) for row in rows]  # read as FamilyMembers are
    visit.missing_photos = missing
    return visit


def member_rows(clean: dict) -> list[dict]:
    """The FamilyMember rows of a checked submission (without the visit they belong to)."""
    return [
        {
            "uuid": m["uuid"],
            "relation": m["relation"],
            "kk_relation": m.get("kk_relation"),
            "name": m["name"],
            "nik": m.get("nik"),
            "birth_date": m.get("birth_date"),
            "alive": m.get("alive", True),
            "present": m.get("present", False),
        }
        for m in clean.get("family", [])
    ]


def _outcome(visit, case: Case, action: str, actor: Actor) -> Outcome:
    actor.record(
        action,
        ("visit", visit.uuid),
        {
            "case": case.id,
            "status": visit.status,
            "flag": visit.flag,
            "reason": visit.flag_reason,
            "family": len(visit.members),
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


def _take_in(actor: Actor, case: Case, visit, action: str, role: str, ctx, engine):
    """An unflagged submission moves the case on: submitted, its family asked of the registry,
    then registry check or review, risk evaluated again; the case row written once."""
    found = _lookups(ctx)
    service.move(actor, case, action, role=role, save=False)
    questions = found.questions_of(case.id)
    registry.after_submission(
        actor, case, visit, visit.members, questions, save=False, insert=_inserter(engine)
    )
    known = service.Known(
        findings=found.findings_of(case.id), latest_visit=visit, cache=found.shared
    )
    # A prevention-list hit evaluates the risk again with its finding; else the visit does.
    if not _check_prevention(actor, case, visit, ctx, known):
        service.reevaluate(actor, case, source="field", known=known, save=False)
    # Written with the push's other rows at its end; a field changed by an earlier operation
    # is handed again with its value now (the engine merges a row's updates).
    engine.update(Case, case.id, {f.name: getattr(case, f.name) for f in case.dirty_fields})


def _check_prevention(actor: Actor, case: Case, visit: FieldVisit, ctx, known) -> list:
    """Issue 16: the applicant and the family members a submission records, held against the
    prevention list in force on the office's day; new hits stored, audited, and the case held
    (its risk evaluated again: the caller writes the case)."""
    found = _lookups(ctx)
    people, relations = prevention.people_of(case, visit.members)
    entries = found.listed_entries(people)
    if not entries:
        return []
    on = watch.day_in(ctx.now, found.zone(case.office_id))
    hits = watch.listed(people, entries, on)
    return prevention.record_hits(actor, case, hits, "field", relations, known=known, save=False)


def _hold_flagged(actor: Actor, case: Case, visit: FieldVisit, ctx, engine):
    """A late, second or conflicting submission moves nothing, but a person it names on the
    prevention list still holds the case for its supervisor."""
    found = _lookups(ctx)
    known = service.Known(findings=found.findings_of(case.id), cache=found.shared)
    if _check_prevention(actor, case, visit, ctx, known):
        engine.update(Case, case.id, {f.name: getattr(case, f.name) for f in case.dirty_fields})


def _inserter(engine):
    """Registry questions handed to the engine, each given its id at once."""

    def insert(questions):
        for question in questions:
            question.id = engine.insert_with_id(RegistryQuestion, registry.question_row(question))

    return insert


def _forgotten_on_error(handler):
    """A handler that fails has its run of operations rolled back (SyncEngine.push): what the
    run's operations used in the push's Lookups is forgotten, for the operations after it to
    read again."""

    @functools.wraps(handler)
    def guarded(op, ctx, engine):
        found = _lookups(ctx, engine)
        if found.run != ctx.run:  # a new run: what the ones before used holds
            found.touched, found.run = set(), ctx.run
        try:
            return handler(op, ctx, engine)
        except BaseException:
            found.forget()
            raise

    return guarded


def check_submission(op, ctx, engine):
    """What refuses a submission (unreadable, stored already, not the team's case), found
    before anything of it is written."""
    _lookups(ctx, engine)
    _officers_case(_clean(op, ctx)["case_id"], ctx.principal, engine, ctx)


@handlers.register(VISIT_SUBMIT, prepare=prepare_submissions, check=check_submission)
@_forgotten_on_error
def submit_visit(op, ctx, engine) -> Outcome:
    """A field verification: stored; the case moves to `submitted` unless it moved on."""
    clean = _clean(op, ctx)
    officer, actor = ctx.principal, _actor(ctx)
    case = _officers_case(clean["case_id"], officer, engine, ctx)
    flag = reason = None
    late = _late_reason(case, officer)
    if late:
        flag, reason = "late", coded("flag_late", state=late)
    elif case.state in HAS_SUBMISSION:
        flag, reason = "second", coded("flag_second")
    visit = _store_visit(op, ctx, engine, case, clean, flag=flag, reason=reason)
    if flag is None:
        _take_in(actor, case, visit, "submit", officer.role, ctx, engine)
    else:
        _hold_flagged(actor, case, visit, ctx, engine)
    return _outcome(visit, case, VISIT_SUBMIT, actor)


@handlers.register(VISIT_AMEND)
@_forgotten_on_error
def amend_visit(op, ctx, engine) -> Outcome:
    """A corrected verification for a returned one; made on an old version, it is a conflict."""
    clean = _clean(op, ctx)
    officer, actor = ctx.principal, _actor(ctx)
    original = FieldVisit.get_or_none(FieldVisit.uuid == clean.get("amends"))
    if original is None:
        raise Rejected(
            "amends_unknown",
            "the visit to amend is not known",
            [{"field": "amends", "code": "not_found"}],
        )
    case = _officers_case(original.case_id, officer, engine, ctx)
    if case.id != clean["case_id"]:
        raise Rejected(
            "invalid",
            "the amendment names another case",
            [{"field": "case_id", "code": "mismatch"}],
        )
    flag = reason = None
    late = _late_reason(case, officer)
    if late:
        flag, reason = "late", coded("flag_late", state=late)
    elif case.state != case_states.RETURNED or original.returned_comment is None:
        flag, reason = "conflict", coded("flag_not_returned")
    elif op.base_version is not None and op.base_version != case.version:
        reason = coded("flag_old_version", base=op.base_version, version=case.version)
        flag = "conflict"
    visit = _store_visit(op, ctx, engine, case, clean, flag=flag, reason=reason, amends=original)
    if flag is None:
        _take_in(actor, case, visit, "resubmit", officer.role, ctx, engine)
    else:
        _hold_flagged(actor, case, visit, ctx, engine)
    return _outcome(visit, case, VISIT_AMEND, actor)


@handlers.register(NOTE_ADD)
@_forgotten_on_error
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
    case = _officers_case(case_id, officer, engine, ctx)
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
    actor.record(NOTE_ADD, ("case", case.id), {"note": note.uuid, "flag": note.flag})
    result = {"note_id": note.uuid, "case_id": case.id, "flag": note.flag}
    if late:
        return Outcome(CONFLICT, result, reason=coded("flag_late", state=late))
    return Outcome(APPLIED, result)


def complete_visits(owners: list[str], actor: Actor):
    """Photos arrived: the visits that waited for them are complete now."""
    uuids = [o.removeprefix("visit:") for o in owners if o.startswith("visit:")]
    for visit in FieldVisit.select().where(FieldVisit.uuid.in_(uuids)):
        visit.status = "complete"
        visit.save(only=[FieldVisit.status])
        actor.record(VISIT_COMPLETE, ("visit", visit.uuid), {"case": visit.case_id})
