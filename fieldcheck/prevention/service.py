"""Changes to the prevention list (daftar cegah) and its hits: each one function, one
transaction, one audit event.

Headquarters administrators add, change, remove and load entries. Every new case (by the
intake form or the passport system's export) and every field submission is checked against the
entries in force on the office's day (fieldcheck.domain.watch.listed): a hit is stored, audited,
and becomes a finding that fires the high-weight `prevention_list` signal; the case is on hold
(it cannot be assigned) until its supervisor has handled the hit. Nobody but the supervisor is
told the authority's reason.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fieldcheck import events
from fieldcheck.accounts import Actor
from fieldcheck.audit import (  # the one vocabulary of actions
    PREVENTION_CREATE,
    PREVENTION_HIT,
    PREVENTION_HIT_HANDLE,
    PREVENTION_HIT_LIST,
    PREVENTION_HIT_READ,
    PREVENTION_IMPORT,
    PREVENTION_LIST,
    PREVENTION_READ,
    PREVENTION_REMOVE,
    PREVENTION_UPDATE,
    record_list_read,
)
from fieldcheck.cases import service as cases
from fieldcheck.db import database, transaction
from fieldcheck.domain import watch
from fieldcheck.models import Case, PreventionEntry, PreventionHit
from fieldcheck.prevention import queries

FIELDS = (
    "name",
    "nik",
    "birth_date",
    "authority",
    "letter_number",
    "reason",
    "valid_from",
    "valid_until",
)
APPLICANT = "applicant"


class PreventionError(Exception):
    """An entry or a handling the rules refuse: `problems` are (field, code, params) for the
    catalogue of errors (fieldcheck.errors)."""

    def __init__(self, problems: list[tuple[str, str, dict]]):
        super().__init__(", ".join(code for _, code, _ in problems))
        self.problems = problems


@dataclass(frozen=True)
class Found:
    """The finding a hit becomes (cases.service.add_findings takes its code and params): it
    says only that the case is on hold, never who asked or why."""

    code: str = "prevention_hold"
    params: dict | None = None
    severity: str = "danger"

    def __post_init__(self):
        object.__setattr__(self, "params", self.params or {})


def _clean(data: Mapping) -> dict:
    """An entry's values as kept: single spaces in the short texts, no spaces in the NIK."""
    values = {field: data.get(field) for field in FIELDS}
    for field in ("name", "authority", "letter_number"):
        values[field] = " ".join((values[field] or "").split())
    values["reason"] = (values["reason"] or "").strip()
    values["nik"] = "".join((values["nik"] or "").split()) or None
    return values


def _checked(actor: Actor, data: Mapping) -> dict:
    values = _clean(data)
    problems = watch.entry_problems(values, actor.at.date())
    if problems:
        raise PreventionError(problems)
    return values


def snapshot(entry: PreventionEntry) -> dict:
    """An entry's fields as the audit trail keeps them."""
    return {field: getattr(entry, field) for field in FIELDS}


def add_entry(actor: Actor, data: Mapping) -> PreventionEntry:
    """A new entry (PreventionError when it cannot be kept), audited with what it holds."""
    values = _checked(actor, data)
    with transaction():
        entry = PreventionEntry.create(
            **values, created_by=actor.user, created_at=actor.at, updated_at=actor.at
        )
        actor.record(PREVENTION_CREATE, ("prevention_entry", entry.id), snapshot(entry))
    return entry


def update_entry(actor: Actor, entry: PreventionEntry, data: Mapping) -> dict:
    """Change an entry; returns what changed, [before, after] (also in the audit event)."""
    values = _checked(actor, data)
    with database.atomic():
        before = snapshot(entry)
        for field, value in values.items():
            setattr(entry, field, value)
        after = snapshot(entry)
        changed = {k: [before[k], after[k]] for k in FIELDS if before[k] != after[k]}
        if changed:
            entry.updated_at = actor.at
            entry.save()
            actor.record(PREVENTION_UPDATE, ("prevention_entry", entry.id), changed)
    return changed


def remove_entry(actor: Actor, entry: PreventionEntry):
    """Take an entry off the list: it matches no one from now on; it stays stored for the hits
    it made and the audit trail."""
    with database.atomic():
        entry.removed_at = actor.at
        entry.save(only=[PreventionEntry.removed_at])
        actor.record(PREVENTION_REMOVE, ("prevention_entry", entry.id), snapshot(entry))


def load_entries(actor: Actor, rows: list[tuple[int, dict]], filename: str) -> int:
    """Add every checked row of a CSV file in one transaction (all or none), each audited as an
    addition, the load itself once; returns how many."""
    with database.atomic():
        for _, data in rows:
            add_entry(actor, data)
        actor.record(PREVENTION_IMPORT, ("import", filename), {"added": len(rows)})
    return len(rows)


def record_list_shown(actor: Actor, rows: int):
    """The list was shown (names, NIKs, birth dates): audited, with how many rows."""
    record_list_read(actor, PREVENTION_LIST, {}, rows, scope="national")


def record_entry_read(actor: Actor, entry: PreventionEntry):
    """An entry's page was opened: a read of personal data."""
    actor.record(PREVENTION_READ, ("prevention_entry", entry.id))


def record_hits_shown(actor: Actor, office_id: int, rows: int):
    """A supervisor's start page listed the office's open hits (only when there were some)."""
    record_list_read(actor, PREVENTION_HIT_LIST, {}, rows, scope={"office": office_id})


def record_hit_read(actor: Actor, hit: PreventionHit):
    """A hit's page (the authority, its letter and its reason) was opened by a supervisor."""
    actor.record(PREVENTION_HIT_READ, ("case", hit.case_id), {"hit": hit.id, "entry": hit.entry_id})


def handle_hit(actor: Actor, hit: PreventionHit, note: str) -> PreventionHit:
    """The supervisor has looked at a hit and says what was done: the case's hold ends when
    none of its hits waits any more."""
    note = (note or "").strip()
    if not note:
        raise PreventionError([("note", "required", {})])
    if len(note) > 2000:
        raise PreventionError([("note", "too_long", {"max": 2000})])
    with database.atomic():
        hit.handled_at, hit.handled_by, hit.handled_note = actor.at, actor.user, note
        hit.save(
            only=[PreventionHit.handled_at, PreventionHit.handled_by, PreventionHit.handled_note]
        )
        actor.record(PREVENTION_HIT_HANDLE, ("case", hit.case_id), {"hit": hit.id, "note": note})
    return hit


# --- checks -------------------------------------------------------------------------------


def people_of(case: Case, members: Iterable = (), prefix: str = "") -> tuple[dict, dict]:
    """Who a case names, by subject ("applicant", a family member's uuid), to be held against
    the list; and each family member's relation. `prefix` keeps the applicant's subject apart
    from others' when several cases' people are gathered."""
    applicant = f"{prefix}:{APPLICANT}" if prefix else APPLICANT
    people = {
        applicant: {"name": case.applicant_name, "nik": case.nik, "birth_date": case.birth_date}
    }
    relations = {}
    for member in members:
        people[member.uuid] = {
            "name": member.name,
            "nik": member.nik,
            "birth_date": member.birth_date,
        }
        relations[member.uuid] = member.relation
    return people, relations


@events.case_created.connect
def _check_new_case(case: Case, actor: Actor, source: str = "intake", **_):
    check_case(actor, case, source)


def check_case(actor: Actor, case: Case, source: str) -> list[PreventionHit]:
    """Hold a new case's applicant against the entries in force on the office's day."""
    people, relations = people_of(case)
    entries = queries.candidates([case.nik], [case.birth_date])
    if not entries:
        return []
    on = watch.day_in(actor.at, case.office.time_zone)
    return record_hits(actor, case, watch.listed(people, entries, on), source, relations)


def record_hits(
    actor: Actor,
    case: Case,
    hits: list[watch.ListHit],
    source: str,
    relations: Mapping[str, str],
    *,
    known: cases.Known | None = None,
    save: bool = True,
) -> list[PreventionHit]:
    """Store the hits a case does not have yet, each audited, and the finding that puts the
    case on hold (its risk evaluated again: with save=False the caller saves the case)."""
    if not hits:
        return []
    had = queries.hits_of(case.id)
    made = []
    with transaction():
        for hit in hits:
            if (hit.entry_id, hit.subject) in had:
                continue
            had.add((hit.entry_id, hit.subject))
            stored = PreventionHit.create(
                entry=hit.entry_id,
                case=case.id,
                source=source,
                subject=hit.subject,
                relation=relations.get(hit.subject),
                matched_by=hit.basis,
                found_at=actor.at,
            )
            actor.record(
                PREVENTION_HIT,
                ("case", case.id),
                {
                    "hit": stored.id,
                    "entry": hit.entry_id,
                    "source": source,
                    "subject": hit.subject,
                    "matched_by": hit.basis,
                },
            )
            made.append(stored)
        if made:
            cases.add_findings(actor, case, "prevention", [Found()], known=known, save=save)
    return made
