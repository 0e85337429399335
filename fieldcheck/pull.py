"""What a field officer's phone pulls (DESIGN.md, "Sync contract"): the cases it holds, those
"on the phone" (case_states.ON_PHONE) of the officer's team, and the ones to drop, since a
cursor of the sync engine's change feed; each pull is an audit event."""

from dataclasses import dataclass, field

from fieldcheck.accounts import Actor
from fieldcheck.audit import SYNC_PULL
from fieldcheck.cases import query
from fieldcheck.db import database
from fieldcheck.domain import case_states
from fieldcheck.models import Case, FieldVisit
from fieldcheck.sync_handlers import team_scope


@dataclass
class Pull:
    """One page of the officer's feed: the cursor to ask from next, whether more is waiting,
    the cases to hold (with the returned visit of each returned one) and the ones to drop."""

    cursor: int
    more: bool
    cases: list[Case]
    tombstones: list[dict]
    returned: dict[int, FieldVisit] = field(default_factory=dict)


def pull(actor: Actor, engine, since: str, limit: int) -> Pull:
    """The officer's cases changed since the cursor `since` (digits; "": all of them), at most
    `limit`, recorded as read by them."""
    officer = actor.user
    if since == "":
        found = _all_cases(officer, engine, limit)
    else:
        found = _changed_cases(officer, engine, int(since), limit)
    found.returned = {
        case.id: visit
        for case in found.cases
        if case.state == case_states.RETURNED and (visit := returned_visit(case)) is not None
    }
    with database.atomic():
        actor.record(
            SYNC_PULL,
            None,
            {
                "since": since or None,
                "cursor": found.cursor,
                "cases": [c.id for c in found.cases],
                "tombstones": len(found.tombstones),
            },
        )
    return found


def _all_cases(officer, engine, limit: int) -> Pull:
    cursor = engine.cursor_now()  # read first: what changes during this pull comes again
    cases = list(
        query.visible_cases(officer)
        .where(Case.state.in_(case_states.ON_PHONE))
        .order_by(Case.id)
        .limit(limit + 1)
    )
    more = len(cases) > limit
    if more:  # a full download that does not fit: the phone pages through the feed
        cases, cursor = cases[:limit], 0
    return Pull(cursor, more, cases, [])


def _changed_cases(officer, engine, since: int, limit: int) -> Pull:
    changes, cursor, more = engine.changes([team_scope(officer.team_id)], since, limit)
    ids = sorted({int(c.entity_id) for c in changes if c.entity == "case"})
    held = (
        {
            c.id: c
            for c in query.visible_cases(officer).where(
                Case.id.in_(ids) & Case.state.in_(case_states.ON_PHONE)
            )
        }
        if ids
        else {}
    )
    cases = [held[i] for i in ids if i in held]
    tombstones = [tombstone(i, officer.team_id) for i in ids if i not in held]
    return Pull(cursor, more, cases, tombstones)


def tombstone(case_id: int, team_id: int | None) -> dict:
    """Why a case leaves the phone: gone, given to another team, or its state."""
    case = Case.get_or_none(Case.id == case_id)
    if case is None:
        reason = "gone"
    elif case.team_id != team_id:
        reason = "reassigned"
    else:
        reason = case.state
    return {"id": case_id, "reason": reason}


def returned_visit(case: Case) -> FieldVisit | None:
    """The newest visit of a case a supervisor returned with a comment."""
    return (
        FieldVisit.select()
        .where((FieldVisit.case == case) & FieldVisit.returned_comment.is_null(False))
        .order_by(FieldVisit.id.desc())
        .first()
    )
