"""What the prevention list's pages and checks read: the entries, the entries that could name
given people, and the hits an office's supervisor must look at."""

import functools
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from fieldcheck.db import one_of
from fieldcheck.models import Case, Office, PreventionEntry, PreventionHit

# The columns a check compares (fieldcheck.domain.watch.listed).
MATCHED = ("id", "name", "nik", "birth_date", "valid_from", "valid_until")
HITS_SHOWN = 50  # the most a supervisor's start page lists


def entries() -> list[PreventionEntry]:
    """Every entry not removed, the latest added first."""
    return list(
        PreventionEntry.select()
        .where(PreventionEntry.removed_at.is_null())
        .order_by(PreventionEntry.created_at.desc(), PreventionEntry.id.desc())
    )


def entry(entry_id: int) -> PreventionEntry | None:
    """One entry not removed, or None."""
    return PreventionEntry.get_or_none(
        (PreventionEntry.id == entry_id) & PreventionEntry.removed_at.is_null()
    )


def candidates(niks: Iterable[str], birth_dates: Iterable[date]) -> list[dict]:
    """The entries (not removed) that could name someone with one of these NIKs or birth dates:
    the only ones a check need compare (both columns indexed). Whether each is in force on the
    day is the domain's to say."""
    niks, born = sorted({n for n in niks if n}), sorted({d for d in birth_dates if d})
    named = [
        one_of(column, values)
        for column, values in ((PreventionEntry.nik, niks), (PreventionEntry.birth_date, born))
        if values
    ]
    if not named:
        return []
    query = (
        PreventionEntry.select(*(getattr(PreventionEntry, c) for c in MATCHED))
        .where(functools.reduce(operator.or_, named) & PreventionEntry.removed_at.is_null())
        .order_by(PreventionEntry.id)
        .dicts()
    )
    return list(query)


def hits_of(case_id: int) -> set[tuple[int, str]]:
    """(entry, subject) of the hits a case has already."""
    return set(
        PreventionHit.select(PreventionHit.entry, PreventionHit.subject)
        .where(PreventionHit.case == case_id)
        .tuples()
    )


@dataclass
class HitShown:
    """A hit as its office's supervisor sees it: the case, who was named, how it was found, and
    who asked for the person to be watched."""

    id: int
    case_id: int
    application_number: str
    applicant_name: str
    case_state: str
    source: str
    subject: str
    relation: str | None
    matched_by: str
    found_at: datetime
    authority: str
    letter_number: str


def open_hits(office_id: int) -> list[HitShown]:
    """The office's hits its supervisors have not handled, the newest first."""
    query = (
        PreventionHit.select(
            PreventionHit.id,
            Case.id,
            Case.application_number,
            Case.applicant_name,
            Case.state,
            PreventionHit.source,
            PreventionHit.subject,
            PreventionHit.relation,
            PreventionHit.matched_by,
            PreventionHit.found_at,
            PreventionEntry.authority,
            PreventionEntry.letter_number,
        )
        .join(Case, on=(PreventionHit.case == Case.id))
        .switch(PreventionHit)
        .join(PreventionEntry, on=(PreventionHit.entry == PreventionEntry.id))
        .where((Case.office == office_id) & PreventionHit.handled_at.is_null())
        .order_by(PreventionHit.found_at.desc(), PreventionHit.id.desc())
        .limit(HITS_SHOWN)
        .tuples()
    )
    return [
        HitShown(*row[:9], PreventionHit.found_at.python_value(row[9]), *row[10:]) for row in query
    ]


def office_hit(office_id: int, hit_id: int) -> PreventionHit | None:
    """A hit on a case of this office, with its entry and case; None for any other."""
    return (
        PreventionHit.select(PreventionHit, PreventionEntry, Case)
        .join(PreventionEntry, on=(PreventionHit.entry == PreventionEntry.id))
        .switch(PreventionHit)
        .join(Case, on=(PreventionHit.case == Case.id))
        .where((PreventionHit.id == hit_id) & (Case.office == office_id))
        .first()
    )


def office_time_zones(office_ids: Iterable[int]) -> dict[int, str]:
    """Each office's zone (WIB, WITA, WIT): an entry is in force by the office's day."""
    ids = sorted(set(office_ids))
    if not ids:
        return {}
    return dict(Office.select(Office.id, Office.time_zone).where(Office.id.in_(ids)).tuples())
