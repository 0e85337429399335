"""What the recruiters' pages and links read. Another office's case is read only as its
office, state, decision and date: its applicant's data never leaves its office."""

import dataclasses
from dataclasses import dataclass, field
from datetime import date

import peewee
from peewee import fn

from fieldcheck.db import naive_from_text, one_of, plain_rows, sql_rows
from fieldcheck.domain import case_states, roles
from fieldcheck.domain import recruiters as rules
from fieldcheck.models import (
    Agency,
    Case,
    FieldVisit,
    Office,
    Recruiter,
    RecruiterIdentifier,
    RecruiterLink,
    RecruiterVictimLink,
    RepatriatedVictim,
)

# The case rows a recruiter's or an agency's page lists at most (the newest; counts are whole).
MAX_ROWS = 500
# Roles that read whole cases of their own office on these pages; everyone else (the analyst)
# reads every case as office, state, decision and date.
OFFICE_READERS = (roles.ADMIN, roles.INTAKE, roles.SUPERVISOR)


# --- what linking reads ------------------------------------------------------------------------


def link_of(case_id: int, source: str) -> RecruiterLink | None:
    return RecruiterLink.get_or_none(
        (RecruiterLink.case == case_id) & (RecruiterLink.source == source)
    )


def agency_by_key(key: str) -> Agency | None:
    return Agency.get_or_none(Agency.key == key)


def holding(identifiers) -> dict[rules.Identifier, Recruiter]:
    """The recruiters already holding some of these identifiers (identifier -> recruiter, with
    its id and name only)."""
    if not identifiers:
        return {}
    by_kind = {}
    for identifier in identifiers:
        by_kind.setdefault(identifier.kind, set()).add(identifier.value)
    condition = None  # one IN list a kind: a batch's hundreds of identifiers in a few terms
    for kind, values in sorted(by_kind.items()):
        one = (RecruiterIdentifier.kind == kind) & one_of(RecruiterIdentifier.value, sorted(values))
        condition = one if condition is None else condition | one
    query = (
        RecruiterIdentifier.select(
            RecruiterIdentifier.kind, RecruiterIdentifier.value, Recruiter.id, Recruiter.name
        )
        .join(Recruiter, on=(RecruiterIdentifier.recruiter == Recruiter.id))
        .where(condition)
    )
    return {
        rules.Identifier(kind, value): Recruiter(id=rid, name=name)
        for kind, value, rid, name in plain_rows(query)
    }


HOLDING_AT_ONCE = 500  # identifier values asked per statement by holding_many


def holding_many(identifiers) -> dict[rules.Identifier, Recruiter]:
    """`holding` for many identifiers (a file's): a statement per kind and HOLDING_AT_ONCE
    values."""
    by_kind: dict[str, list[str]] = {}
    for identifier in identifiers:
        by_kind.setdefault(identifier.kind, []).append(identifier.value)
    found = {}
    for kind, values in by_kind.items():
        for start in range(0, len(values), HOLDING_AT_ONCE):
            query = (
                RecruiterIdentifier.select(RecruiterIdentifier.value, Recruiter.id, Recruiter.name)
                .join(Recruiter, on=(RecruiterIdentifier.recruiter == Recruiter.id))
                .where(
                    (RecruiterIdentifier.kind == kind)
                    & RecruiterIdentifier.value.in_(values[start : start + HOLDING_AT_ONCE])
                )
                .tuples()
            )
            for value, rid, name in query:
                found[rules.Identifier(kind, value)] = Recruiter(id=rid, name=name)
    return found


def victims_naming_a_recruiter(*, batch: int | None = None, unlinked: bool = False):
    """The repatriated victims' records that name a recruiter or an agency, as dicts of their
    id and recruiter columns (rules.ANSWERS) only: of one file, or every one not linked yet."""
    columns = [getattr(RepatriatedVictim, answer) for answer in rules.ANSWERS]
    named = None
    for column in columns:
        one = column.is_null(False)
        named = one if named is None else named | one
    query = RepatriatedVictim.select(RepatriatedVictim.id, *columns).where(named)
    if batch is not None:
        query = query.where(RepatriatedVictim.batch == batch)
    if unlinked:
        linked = RecruiterVictimLink.select(RecruiterVictimLink.victim)
        query = query.where(RepatriatedVictim.id.not_in(linked))
    return query.order_by(RepatriatedVictim.id).dicts().iterator()


def agencies_by_keys(keys) -> dict[str, Agency]:
    """The agencies known by these (folded) keys: key -> agency."""
    if not keys:
        return {}
    return {agency.key: agency for agency in Agency.select().where(one_of(Agency.key, keys))}


def recruiters_of_cases(case_ids) -> tuple[dict, dict]:
    """The recruiters each of these cases names: case id -> [(the name as the link wrote it,
    recruiter id)], every case given; and the same links by recruiter: recruiter id -> case id
    -> the case's office and whether it was refused (rules.LinkedCase)."""
    named = {case_id: [] for case_id in case_ids}
    linked = {}
    if named:
        query = (
            RecruiterLink.select(
                RecruiterLink.case,
                RecruiterLink.name,
                RecruiterLink.recruiter,
                Case.office,
                Case.state,
            )
            .join(Case, on=(RecruiterLink.case == Case.id))
            .where(one_of(RecruiterLink.case, named) & RecruiterLink.recruiter.is_null(False))
            .order_by(RecruiterLink.id)
        )
        for case_id, name, recruiter_id, office_id, state in plain_rows(query):
            named[case_id].append((name, recruiter_id))
            linked.setdefault(recruiter_id, {})[case_id] = rules.LinkedCase(
                office_id, state == case_states.REFUSED
            )
    return named, linked


def _links_besides(recruiter_ids, besides):
    """The links of these recruiters, but those of the cases `besides`."""
    where = one_of(RecruiterLink.recruiter, recruiter_ids)
    return where & ~one_of(RecruiterLink.case, besides) if besides else where


def cases_of_recruiters(recruiter_ids, besides=()) -> dict[int, dict[int, rules.LinkedCase]]:
    """Every case each of these recruiters is linked to but the cases `besides` (recruiter id
    -> case id -> its office and whether it was refused), every recruiter given."""
    linked = {recruiter_id: {} for recruiter_id in recruiter_ids}
    if linked:
        query = (
            RecruiterLink.select(RecruiterLink.recruiter, Case.id, Case.office, Case.state)
            .join(Case, on=(RecruiterLink.case == Case.id))
            .where(_links_besides(linked, besides))
        )
        for recruiter_id, case_id, office_id, state in plain_rows(query):
            linked[recruiter_id][case_id] = rules.LinkedCase(
                office_id, state == case_states.REFUSED
            )
    return linked


def cases_of_recruiters_summed(recruiter_ids, besides=()) -> dict[int, dict]:
    """cases_of_recruiters counted by the database: recruiter id -> rules.LinkedCase (an office,
    refused or not) -> how many cases, every recruiter given. A recruiter named in thousands of
    cases is a few rows."""
    summed = {recruiter_id: {} for recruiter_id in recruiter_ids}
    if summed:
        refused = Case.state == case_states.REFUSED
        query = (
            RecruiterLink.select(
                RecruiterLink.recruiter, Case.office, refused, fn.COUNT(fn.DISTINCT(Case.id))
            )
            .join(Case, on=(RecruiterLink.case == Case.id))
            .where(_links_besides(summed, besides))
            .group_by(RecruiterLink.recruiter, Case.office, refused)
        )
        for recruiter_id, office_id, was_refused, n in plain_rows(query):
            summed[recruiter_id][rules.LinkedCase(office_id, bool(was_refused))] = n
    return summed


def victims_of_recruiters(recruiter_ids) -> dict[int, dict[int, int | None]]:
    """The repatriated victims' records naming each of these recruiters (recruiter id ->
    victim id -> the case the record matched, or None), every recruiter given."""
    named = {recruiter_id: {} for recruiter_id in recruiter_ids}
    if named:
        query = (
            RecruiterVictimLink.select(
                RecruiterVictimLink.recruiter, RepatriatedVictim.id, RepatriatedVictim.case
            )
            .join(RepatriatedVictim, on=(RecruiterVictimLink.victim == RepatriatedVictim.id))
            .where(one_of(RecruiterVictimLink.recruiter, named))
        )
        for recruiter_id, victim_id, case_id in plain_rows(query):
            named[recruiter_id][victim_id] = case_id
    return named


def recruiter_in_case_named(case_id: int, folded: str | None) -> Recruiter | None:
    """A recruiter the case already names under this (folded) name."""
    if not folded:
        return None
    query = (
        RecruiterLink.select(RecruiterLink.name, RecruiterLink.recruiter)
        .where((RecruiterLink.case == case_id) & RecruiterLink.recruiter.is_null(False))
        .tuples()
    )
    for name, recruiter_id in query:
        if rules.fold_name(name) == folded:
            return Recruiter.get_by_id(recruiter_id)
    return None


def _recruiters_of(case_id: int):
    return RecruiterLink.select(RecruiterLink.recruiter).where(
        (RecruiterLink.case == case_id) & RecruiterLink.recruiter.is_null(False)
    )


def _refused_id():
    return peewee.Case(None, ((Case.state == case_states.REFUSED, Case.id),))


def ties_of_case(case_id: int) -> rules.Ties:
    """What the recruiters a case names are tied to in other cases, of every office."""
    other, offices, refused = (
        RecruiterLink.select(
            fn.COUNT(fn.DISTINCT(Case.id)),
            fn.COUNT(fn.DISTINCT(Case.office)),
            fn.COUNT(fn.DISTINCT(_refused_id())),
        )
        .join(Case, on=(RecruiterLink.case == Case.id))
        .where(RecruiterLink.recruiter.in_(_recruiters_of(case_id)) & (Case.id != case_id))
        .tuples()
        .first()
    )
    victims = _victims_of(_recruiters_of(case_id), case_id)
    return rules.Ties(other or 0, offices or 0, refused or 0, victims)


def _victims_of(recruiters, case_id: int) -> int:
    """How many repatriated victims' records name these recruiters (a query of their ids),
    other than those of the case's own applicant."""
    return (
        RecruiterVictimLink.select(fn.COUNT(fn.DISTINCT(RecruiterVictimLink.victim)))
        .join(RepatriatedVictim, on=(RecruiterVictimLink.victim == RepatriatedVictim.id))
        .where(
            RecruiterVictimLink.recruiter.in_(recruiters)
            & (RepatriatedVictim.case.is_null() | (RepatriatedVictim.case != case_id))
        )
        .scalar()
    ) or 0


def cases_naming_a_recruiter():
    """Every case whose intake named a recruiter or an agency (for linking what came before)."""
    named = None
    for answer in rules.ANSWERS:
        one = getattr(Case, answer).is_null(False)
        named = one if named is None else named | one
    return Case.select().where(named).order_by(Case.id).iterator()


def visits_with_interviews():
    """(case, visit uuid, interview answers) for every visit (for linking what came before)."""
    import json

    query = (
        FieldVisit.select(FieldVisit.uuid, FieldVisit.interview, Case)
        .join(Case)
        .order_by(FieldVisit.id)
    )
    for visit in query.iterator():
        yield visit.case, visit.uuid, json.loads(visit.interview or "{}")


# --- the case page -----------------------------------------------------------------------------


@dataclass
class Named:
    """A recruiter or an agency a case names, and what the recruiter is tied to elsewhere."""

    recruiter_id: int | None
    name: str | None
    agency_id: int | None
    agency_name: str | None
    ties: rules.Ties = field(default_factory=rules.Ties)


# The case page reads what its case names in SQL written out (as the recruiter's page does, see
# CASE_ROWS_OF_RECRUITER), with the recruiters' ties counted as ties_of_case counts them.
NAMED_IN_CASE = """
SELECT l.recruiter_id, r.name, l.agency_id, a.name
FROM recruiter_link l
LEFT JOIN recruiter r ON r.id = l.recruiter_id
LEFT JOIN agency a ON a.id = l.agency_id
WHERE l.case_id = ?
ORDER BY l.id"""
TIES_OF_RECRUITERS = """
SELECT l.recruiter_id, COUNT(DISTINCT c.id), COUNT(DISTINCT c.office_id),
  COUNT(DISTINCT CASE WHEN c.state = ? THEN c.id END)
FROM recruiter_link l JOIN "case" c ON c.id = l.case_id
WHERE l.recruiter_id IN ({listed}) AND c.id <> ?
GROUP BY l.recruiter_id"""
VICTIMS_OF_RECRUITERS = """
SELECT v.recruiter_id, COUNT(DISTINCT v.victim_id)
FROM recruiter_victim_link v JOIN repatriated_victim rv ON rv.id = v.victim_id
WHERE v.recruiter_id IN ({listed}) AND (rv.case_id IS NULL OR rv.case_id <> ?)
GROUP BY v.recruiter_id"""


def named_in_case(case_id: int) -> list[Named]:
    """The recruiters and agencies a case names, each once, with their ties to other cases."""
    named: dict[tuple, Named] = {}
    for recruiter_id, name, agency_id, agency_name in sql_rows(NAMED_IN_CASE, case_id):
        key = ("r", recruiter_id) if recruiter_id else ("a", agency_id)
        if key not in named:
            named[key] = Named(recruiter_id, name, agency_id, agency_name)
        elif named[key].agency_id is None and agency_id:
            named[key].agency_id, named[key].agency_name = agency_id, agency_name
    ids = [n.recruiter_id for n in named.values() if n.recruiter_id]
    if not ids:
        return list(named.values())
    listed = ", ".join(["?"] * len(ids))
    ties = {
        rid: rules.Ties(other, offices, refused)
        for rid, other, offices, refused in sql_rows(
            TIES_OF_RECRUITERS.format(listed=listed), case_states.REFUSED, *ids, case_id
        )
    }
    for rid, victims in sql_rows(VICTIMS_OF_RECRUITERS.format(listed=listed), *ids, case_id):
        ties[rid] = dataclasses.replace(ties.get(rid, rules.Ties()), victims=victims)
    for rid, tie in ties.items():
        named[("r", rid)].ties = tie
    return list(named.values())


# --- a recruiter's page and network ------------------------------------------------------------


@dataclass
class CaseRow:
    """One case on a recruiter's or an agency's page. `own`: of the reader's office, and then
    with its application number and applicant; otherwise office, state, decision and date."""

    case_id: int
    office: str
    state: str
    decision: str | None
    on: date
    via: str  # intake / visit
    own: bool = False
    application_number: str | None = None
    applicant_name: str | None = None


@dataclass
class RecruiterPage:
    """What a recruiter's page shows: who (names, identifiers, agencies), the cases, counts,
    and the other recruiters tied to them by a case or an agency."""

    recruiter: Recruiter
    names: list[str]
    identifiers: list[RecruiterIdentifier]
    agencies: list[Agency]
    rows: list[CaseRow]
    total: int
    offices: int
    refused: int
    related: list[tuple[Recruiter, set, set]]  # (recruiter, shared case ids, shared agency ids)
    victims: list["VictimRow"] = field(default_factory=list)
    victim_total: int = 0
    victim_offices: int = 0


def _own_office(reader) -> int | None:
    """The office whose cases the reader reads whole here, or None (the analyst: none)."""
    # The case list's scope for these roles (fieldcheck.cases.query.scope_of): their office.
    return reader.office_id if reader.role in OFFICE_READERS else None


DECIDED = (case_states.VERIFIED, case_states.REFUSED, case_states.REVOKED)


@dataclass
class _Links:
    """What the links of a recruiter or an agency give its page, read in one statement."""

    rows: list[CaseRow]
    counts: dict
    names: set = field(default_factory=set)
    agencies: dict = field(default_factory=dict)  # id -> name
    shared: set = field(default_factory=set)  # cases listed that another recruiter shares


# A recruiter's or an agency's page is read by a few statements written out in SQL (db.sql_rows):
# peewee would build and render each again at every request, which costs the page more than
# running them. Only what may cross offices is selected for every case: the applicant's columns
# are the reader's own office's cases' alone (NULL for every other case, and for the analyst's
# every case: `office_id = NULL` is never true).
_CASE_ROWS = """
SELECT c.id, o.name, c.office_id, c.state, c.created_at, l.source, l.name, l.agency_id, a.name,
  CASE WHEN c.office_id = ? THEN c.application_number END,
  CASE WHEN c.office_id = ? THEN c.applicant_name END,
  (SELECT MAX(COALESCE(d.revoked_at, d.decided_at)) FROM decision d WHERE d.case_id = c.id),
  {shared}
FROM recruiter_link l
JOIN "case" c ON c.id = l.case_id
JOIN office o ON o.id = c.office_id
LEFT JOIN agency a ON a.id = l.agency_id
WHERE l.{column} = ?
ORDER BY c.created_at DESC, c.id DESC, l.id
LIMIT ?"""
# Of a recruiter's cases, whether another recruiter is linked to the case as well.
_SHARED = "EXISTS (SELECT 1 FROM recruiter_link s WHERE s.case_id = c.id AND s.recruiter_id <> ?)"
CASE_ROWS_OF_RECRUITER = _CASE_ROWS.format(shared=_SHARED, column="recruiter_id")
CASE_ROWS_OF_AGENCY = _CASE_ROWS.format(shared="NULL", column="agency_id")


def _case_rows(reader, recruiter_id=None, agency_id=None, limit: int = MAX_ROWS) -> _Links:
    """The cases a recruiter's links (or an agency's) point at, newest first, as the reader may
    see them (at most `limit`), the counts over all of them (cases, offices, refused), and the
    names and agencies the links give; for a recruiter, which of those cases another recruiter
    is linked to as well."""
    own_office = _own_office(reader)
    if recruiter_id is not None:
        query = CASE_ROWS_OF_RECRUITER
        params = (own_office, own_office, recruiter_id, recruiter_id, 2 * limit + 1)
        links_where = RecruiterLink.recruiter == recruiter_id
    else:
        query = CASE_ROWS_OF_AGENCY
        params = (own_office, own_office, agency_id, 2 * limit + 1)
        links_where = RecruiterLink.agency == agency_id
    # (2 * limit + 1 links: a case is linked from its intake and its visits.)
    found = _Links([], {})
    rows: dict[int, CaseRow] = {}
    offices, refused, fetched = set(), set(), 0
    created = Case.created_at.python_value
    for case_id, office_name, office_id, state, created_at, source, name, *rest in sql_rows(
        query, *params
    ):
        agency, agency_name, number, applicant, decided, shared = rest
        fetched += 1
        found.names.add(name)
        found.agencies[agency] = agency_name
        offices.add(office_id)
        if state == case_states.REFUSED:
            refused.add(case_id)
        if case_id in rows or len(rows) >= limit:
            continue
        if shared:
            found.shared.add(case_id)
        on = created(created_at).date()
        row = CaseRow(case_id, office_name, state, None, on, source.split(":")[0])
        if office_id == own_office:
            row.own, row.application_number, row.applicant_name = True, number, applicant
        if decided is not None and state in DECIDED:
            # The state is what the latest decision made it (verified / refused, or revoked).
            row.decision, row.on = state, naive_from_text(decided).date()
        rows[case_id] = row
    found.names.discard(None)
    found.agencies.pop(None, None)
    if fetched <= 2 * limit:  # every link was read: count them here
        found.counts = {"total": len(rows), "offices": len(offices), "refused": len(refused)}
    else:
        found.counts = _counts(links_where)
    found.rows = list(rows.values())
    return found


def _counts(links_where) -> dict:
    """Cases, offices and refused cases the links point at, counted by the database."""
    total, offices, refused = (
        RecruiterLink.select(
            fn.COUNT(fn.DISTINCT(Case.id)),
            fn.COUNT(fn.DISTINCT(Case.office)),
            fn.COUNT(fn.DISTINCT(_refused_id())),
        )
        .join(Case, on=(RecruiterLink.case == Case.id))
        .where(links_where)
        .tuples()
        .first()
    )
    return {"total": total, "offices": offices, "refused": refused}


@dataclass
class VictimRow:
    """A repatriated victim's record that names a recruiter, as every reader sees it: only
    "repatriated victim", the issuing office and the return date. `openable`: the reader may
    open the record (its issuing office's supervisor or administrator), so it is linked."""

    victim_id: int
    office: str
    returned_on: date
    openable: bool = False


@dataclass
class _Victims:
    """What the links of a recruiter or an agency to victims' records give its page, read in
    one statement: the rows (the latest return first), how many records and issuing offices,
    and the recruiter's names and agencies the links gave (`whole`: every link was read)."""

    rows: list[VictimRow]
    total: int
    offices: int
    names: set
    agencies: dict  # id -> name
    whole: bool


def _victim_rows(reader, where, limit: int = MAX_ROWS) -> _Victims:
    """The victims' records the links (`where`, on RecruiterVictimLink) point at, the latest
    return first (at most `limit`), how many there are and in how many issuing offices."""
    # Only what may cross offices is selected here: nothing of the victim but the return date.
    query = (
        RecruiterVictimLink.select(
            RepatriatedVictim.id,
            RepatriatedVictim.office,
            Office.name,
            RepatriatedVictim.returned_on,
            RecruiterVictimLink.name,
            Agency.id,
            Agency.name,
        )
        .join(RepatriatedVictim, on=(RecruiterVictimLink.victim == RepatriatedVictim.id))
        .join(Office, on=(RepatriatedVictim.office == Office.id))
        .switch(RecruiterVictimLink)
        .join(Agency, peewee.JOIN.LEFT_OUTER, on=(RecruiterVictimLink.agency == Agency.id))
        .where(where)
        .order_by(RepatriatedVictim.returned_on.desc(), RepatriatedVictim.id.desc())
        .limit(limit)
        .tuples()
    )
    office = reader.office_id if reader.role in roles.REPATRIATION_READERS else None
    found = _Victims([], 0, 0, set(), {}, whole=True)
    offices = set()
    for victim_id, office_id, name, returned_on, given, agency_id, agency_name in query:
        found.rows.append(
            VictimRow(victim_id, name, returned_on, office is not None and office_id == office)
        )
        offices.add(office_id)
        found.names.add(given)
        found.agencies[agency_id] = agency_name
    found.names.discard(None)
    found.agencies.pop(None, None)
    if len(found.rows) < limit:  # every link was read: count them here
        found.total, found.offices = len(found.rows), len(offices)
        return found
    found.whole = False
    total, offices = (
        RecruiterVictimLink.select(
            fn.COUNT(fn.DISTINCT(RepatriatedVictim.id)),
            fn.COUNT(fn.DISTINCT(RepatriatedVictim.office)),
        )
        .join(RepatriatedVictim, on=(RecruiterVictimLink.victim == RepatriatedVictim.id))
        .where(where)
        .tuples()
        .first()
    )
    found.total, found.offices = total or 0, offices or 0
    return found


RECRUITER = """
SELECT r.id, r.name, r.created_at, r.merged_into_id,
  EXISTS (SELECT 1 FROM recruiter_victim_link v WHERE v.recruiter_id = r.id)
FROM recruiter r WHERE r.id = ?"""


def recruiter(recruiter_id: int) -> Recruiter | None:
    """A recruiter by id; one merged into another is that other (followed to the end). Its
    `named_by_victims` says whether a repatriated victim's record names it (its page reads
    those records only then: most recruiters have none)."""
    found = None
    for _ in range(21):
        rows = sql_rows(RECRUITER, recruiter_id)
        if not rows:
            break
        recruiter_id, name, created_at, merged_into, named = rows[0]
        found = Recruiter(
            id=recruiter_id,
            name=name,
            created_at=Recruiter.created_at.python_value(created_at),
            merged_into=merged_into,
        )
        found.named_by_victims = bool(named)
        if merged_into is None:
            break
        recruiter_id = merged_into
    return found


IDENTIFIERS = """
SELECT id, kind, value, written FROM recruiter_identifier WHERE recruiter_id = ?
ORDER BY kind, id"""


def identifiers_of(recruiter: Recruiter) -> list[RecruiterIdentifier]:
    """What identifies a recruiter (phones, handles, accounts, names with an agency), by kind."""
    return [
        RecruiterIdentifier(id=id_, recruiter=recruiter, kind=kind, value=value, written=written)
        for id_, kind, value, written in sql_rows(IDENTIFIERS, recruiter.id)
    ]


def recruiter_page(reader, found: Recruiter) -> RecruiterPage:
    """A recruiter's page as the reader may see it."""
    links = _case_rows(reader, recruiter_id=found.id)
    identifiers = identifiers_of(found)
    if getattr(found, "named_by_victims", True):
        victims = _victim_rows(reader, RecruiterVictimLink.recruiter == found.id)
    else:
        victims = _Victims([], 0, 0, set(), {}, whole=True)
    # The names and agencies victims' records gave the recruiter join those the cases gave.
    given = victims if victims.whole else _given_by_victims(found.id)
    links.names |= given.names
    links.agencies |= given.agencies
    agencies = sorted(
        (Agency(id=agency_id, name=name) for agency_id, name in links.agencies.items()),
        key=lambda agency: agency.name,
    )
    return RecruiterPage(
        found,
        sorted(links.names),
        identifiers,
        agencies,
        links.rows,
        links.counts["total"],
        links.counts["offices"],
        links.counts["refused"],
        _related(found.id, links.shared, set(links.agencies)),
        victims.rows,
        victims.total,
        victims.offices,
    )


def _given_by_victims(recruiter_id: int) -> _Victims:
    """The names and agencies every victim's record gave the recruiter (in `names` and
    `agencies`, the rest left empty)."""
    names, agencies = set(), {}
    given = (
        RecruiterVictimLink.select(RecruiterVictimLink.name, Agency.id, Agency.name)
        .join(Agency, peewee.JOIN.LEFT_OUTER, on=(RecruiterVictimLink.agency == Agency.id))
        .where(RecruiterVictimLink.recruiter == recruiter_id)
        .distinct()
        .tuples()
    )
    for name, agency_id, agency_name in given:
        names.add(name)
        agencies[agency_id] = agency_name
    names.discard(None)
    agencies.pop(None, None)
    return _Victims([], 0, 0, names, agencies, whole=True)


MAX_RELATED = 8


RELATED = """
SELECT l.recruiter_id, r.name, l.case_id, l.agency_id
FROM recruiter_link l JOIN recruiter r ON r.id = l.recruiter_id
WHERE l.{column} IN ({listed}) AND l.recruiter_id <> ?
LIMIT ?"""


def _related(recruiter_id: int, case_ids: set, agency_ids: set) -> list:
    """Other recruiters named in the same cases or for the same agencies (at most
    MAX_RELATED: those sharing cases first), each with the cases and agencies they share.
    `case_ids`: the page's cases another recruiter is linked to (_Links.shared)."""
    shared: dict[int, tuple[set, set]] = {}
    names: dict[int, str | None] = {}
    for ids, column in ((case_ids, "case_id"), (agency_ids, "agency_id")):
        if not ids or len(shared) >= MAX_RELATED:
            continue
        query = RELATED.format(column=column, listed=", ".join(["?"] * len(ids)))
        for rid, name, case_id, agency_id in sql_rows(query, *ids, recruiter_id, MAX_RELATED * 4):
            names[rid] = name
            cases_, agencies_ = shared.setdefault(rid, (set(), set()))
            if case_id in case_ids:
                cases_.add(case_id)
            if agency_id in agency_ids:
                agencies_.add(agency_id)
    best = sorted(shared, key=lambda r: (-len(shared[r][0]), -len(shared[r][1]), r))
    return [(Recruiter(id=r, name=names[r]), *shared[r]) for r in best[:MAX_RELATED]]


@dataclass
class Listed:
    """A recruiter in the list: how many cases name them, in how many offices, refused, and
    how many repatriated victims' records name them."""

    recruiter: Recruiter
    cases: int
    offices: int
    refused: int
    victims: int = 0


PAGE_SIZE = 50


def recruiter_list(page: int = 1, min_cases: int = 1) -> tuple[list[Listed], bool]:
    """Recruiters by how many cases and victims' records name them, the most first (a page of
    PAGE_SIZE), and whether there is a next page: those named in at least `min_cases` cases or
    by a victim. Counts only: nothing of any applicant or victim."""
    by_case = (
        RecruiterLink.select(
            RecruiterLink.recruiter,
            fn.COUNT(fn.DISTINCT(Case.id)).alias("cases"),
            fn.COUNT(fn.DISTINCT(Case.office)).alias("offices"),
            fn.COUNT(fn.DISTINCT(_refused_id())).alias("refused"),
        )
        .join(Case, on=(RecruiterLink.case == Case.id))
        .where(RecruiterLink.recruiter.is_null(False))
        .group_by(RecruiterLink.recruiter)
        .alias("by_case")
    )
    by_victim = (
        RecruiterVictimLink.select(
            RecruiterVictimLink.recruiter,
            fn.COUNT(fn.DISTINCT(RecruiterVictimLink.victim)).alias("victims"),
        )
        .where(RecruiterVictimLink.recruiter.is_null(False))
        .group_by(RecruiterVictimLink.recruiter)
        .alias("by_victim")
    )
    cases_ = fn.COALESCE(by_case.c.cases, 0)
    victims_ = fn.COALESCE(by_victim.c.victims, 0)
    query = (
        Recruiter.select(
            Recruiter,
            cases_.alias("cases"),
            fn.COALESCE(by_case.c.offices, 0).alias("offices"),
            fn.COALESCE(by_case.c.refused, 0).alias("refused"),
            victims_.alias("victims"),
        )
        .join(by_case, peewee.JOIN.LEFT_OUTER, on=(by_case.c.recruiter_id == Recruiter.id))
        .join(
            by_victim,
            peewee.JOIN.LEFT_OUTER,
            on=(by_victim.c.recruiter_id == Recruiter.id),
            src=Recruiter,
        )
        .where(Recruiter.merged_into.is_null() & ((cases_ >= min_cases) | (victims_ > 0)))
        .order_by((cases_ + victims_).desc(), Recruiter.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    rows = [Listed(r, r.cases, r.offices, r.refused, r.victims) for r in query]
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


@dataclass
class AgencyPage:
    """What an agency's page shows: the recruiters who named it, the cases and the
    repatriated victims' records that name it, and their counts."""

    agency: Agency
    recruiters: list[Recruiter]
    rows: list[CaseRow]
    total: int
    offices: int
    refused: int
    victims: list["VictimRow"] = field(default_factory=list)
    victim_total: int = 0
    victim_offices: int = 0


def agency(agency_id: int) -> Agency | None:
    return Agency.get_or_none(Agency.id == agency_id)


def agency_page(reader, found: Agency) -> AgencyPage:
    """An agency's page as the reader may see it: its recruiters, its cases and the victims'
    records that name it."""
    links = _case_rows(reader, agency_id=found.id)
    rows, counts = links.rows, links.counts
    named_by_case = RecruiterLink.select(RecruiterLink.recruiter).where(
        (RecruiterLink.agency == found.id) & RecruiterLink.recruiter.is_null(False)
    )
    named_by_victim = RecruiterVictimLink.select(RecruiterVictimLink.recruiter).where(
        (RecruiterVictimLink.agency == found.id) & RecruiterVictimLink.recruiter.is_null(False)
    )
    people = list(
        Recruiter.select()
        .where(Recruiter.id.in_(named_by_case) | Recruiter.id.in_(named_by_victim))
        .order_by(Recruiter.name, Recruiter.id)
    )
    victims = _victim_rows(reader, RecruiterVictimLink.agency == found.id)
    return AgencyPage(
        found,
        people,
        rows,
        counts["total"],
        counts["offices"],
        counts["refused"],
        victims.rows,
        victims.total,
        victims.offices,
    )
