"""Finding cases: who may see which (scope), and the case list's filters, search and sort."""

import functools
import json
import operator
import re
import weakref
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import SimpleNamespace

import peewee

from fieldcheck import audit
from fieldcheck.audit import CASE_READ
from fieldcheck.db import database, is_postgres, sql_models
from fieldcheck.domain import case_states, identity, roles, watch
from fieldcheck.models import (
    Case,
    CaseFinding,
    CaseLink,
    Decision,
    Office,
    PreventionHit,
    Team,
    User,
)

PAGE_SIZE = 25

SORTS = {
    "newest": (Case.created_at.desc(), Case.id.desc()),
    "oldest": (Case.created_at.asc(), Case.id.asc()),
    "due": (Case.due_date.asc(nulls="LAST"), Case.id.asc()),
    "risk": (Case.risk_score.desc(), Case.id.desc()),
    "name": (Case.search_name.asc(), Case.id.asc()),
}


# What a row of the case list shows, and nothing more: a page reads 26 rows of these few
# columns instead of building 26 whole cases (37 columns each) and their teams.
LIST_COLUMNS = (
    Case.id,
    Case.application_number,
    Case.application_date,
    Case.applicant_name,
    Case.destination_country,
    Case.risk_level,
    Case.state,
    Case.team,
    Team.name.alias("team_name"),
    Case.due_date,
)

# The open states as SQL literals, as the partial index of open cases (migration 11) names them:
# a query that passes them as parameters cannot use that index.
OPEN_STATES_SQL = peewee.SQL(
    "(" + ", ".join(f"'{state}'" for state in case_states.OPEN_STATES) + ")"
)


# The case page's officer: the name it shows (a whole User row would hold a password hash).
Officer = User.alias("officer")


def visible_cases(user: User) -> peewee.ModelSelect:
    """The cases a user may see: office staff their office's, field officers their team's."""
    query = Case.select(Case, Team).join(Team, peewee.JOIN.LEFT_OUTER, on=(Case.team == Team.id))
    return in_scope(query, user)


def in_scope(query: peewee.ModelSelect, user: User) -> peewee.ModelSelect:
    """A query of cases narrowed to those the user may see."""
    kind, values = scope_of(user)
    return query.where(_scope_condition(kind, **values))


def scope_of(user: User) -> tuple[str, dict]:
    """Which cases a user may see, as a kind of scope and its values."""
    if user.role in (roles.ADMIN, roles.INTAKE, roles.SUPERVISOR):
        return "office", {"office": user.office_id}
    if user.role == roles.FIELD and user.team_id:
        return "team", {"team": user.team_id}
    return "none", {}  # registry clerks and passport officers: none here


def _scope_condition(kind: str, office=None, team=None):
    """Office staff see their office's cases, field officers their team's once assigned."""
    if kind == "office":
        return Case.office == office
    if kind == "team":
        return (Case.team == team) & (Case.state != case_states.REFERRED)
    return Case.id.is_null()


@dataclass
class CaseFilter:
    """The case list's filters, as the form sends them (search text `q` only ever by POST)."""

    state: str = ""
    district: str = ""
    team: int | None = None
    risk: str = ""
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False  # open cases past their due date, on `today`
    today: date | None = None  # the office's day, which the view sets (i18n.local_today)
    sort: str = "newest"
    q: str = ""
    page: int = 1
    problems: list = field(default_factory=list)

    @classmethod
    def from_form(cls, form, *, today: date | None = None, search: bool = True) -> "CaseFilter":
        """The filters the form sends, for the office's day `today`; the search text dropped
        unless `search` (it comes only by POST, never in a URL)."""
        f = cls(today=today)
        f.state = form.get("state", "") if form.get("state") in case_states.STATES else ""
        district = form.get("district", "").strip()
        f.district = district if re.fullmatch(r"\d{2}(\.\d{2}){0,2}", district) else ""
        if district and not f.district:
            f.problems.append("district")
        f.team = int(form["team"]) if form.get("team", "").isdigit() else None
        f.risk = form.get("risk", "") if form.get("risk") in ("low", "medium", "high") else ""
        f.date_from = _date(form.get("date_from"), f, "date_from")
        f.date_to = _date(form.get("date_to"), f, "date_to")
        f.overdue = form.get("overdue") == "1"
        f.sort = form.get("sort") if form.get("sort") in SORTS else "newest"
        f.q = " ".join(form.get("q", "").split())[:100] if search else ""
        page = form.get("page", "1")
        f.page = max(1, min(int(page), 10_000)) if page.isdigit() else 1
        return f

    def as_dict(self) -> dict:
        """The filters without the search text (for the audit event, next to the query)."""
        return {
            k: str(v)
            for k, v in (
                ("state", self.state),
                ("district", self.district),
                ("team", self.team),
                ("risk", self.risk),
                ("date_from", self.date_from),
                ("date_to", self.date_to),
                ("overdue", self.overdue),
            )
            if v
        }


def _date(text, f, name):
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        f.problems.append(name)
        return None


def _escape_like(text: str) -> str:
    """Text matched literally inside a LIKE pattern (see _like): % and _ are not wildcards."""
    return text.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")


def _like(column, pattern: str):
    """The column matches the LIKE pattern, case-insensitively, \\ escaping."""
    escape = peewee.NodeList((peewee.SQL("ESCAPE"), peewee.Value("\\", converter=False)))
    return peewee.Expression(
        column, peewee.OP.ILIKE, peewee.NodeList((peewee.Value(pattern, converter=False), escape))
    )


def _conditions(f: CaseFilter):
    """The WHERE of a filter, a condition for each filter given.

    Digits in the search text look for NIKs (prefix) and application numbers; words look for
    names, in any order.
    """
    if f.state:
        yield Case.state == f.state
    if f.team:
        yield Case.team == f.team
    if f.risk:
        yield Case.risk_level == f.risk
    if f.district:
        yield (Case.district_code == f.district) | _like(Case.district_code, f.district + ".%")
    if f.date_from:
        yield Case.application_date >= f.date_from
    if f.date_to:
        yield Case.application_date <= f.date_to
    if f.overdue:  # the one rule, as the review queue's
        yield Case.overdue_on(f.today)
    if f.q:
        number = Case.application_number == f.q.upper()
        compact = re.sub(r"[\s.\-]", "", f.q)
        if compact.isdigit() and len(compact) >= 6:
            yield _like(Case.nik, compact + "%") | number
        else:
            words = (_like(Case.search_name, f"%{_escape_like(w)}%") for w in f.q.lower().split())
            yield number | functools.reduce(operator.and_, words)


def case_list(user: User, f: CaseFilter) -> tuple[list, bool]:
    """A page of the case list, rows with LIST_COLUMNS as attributes; whether there is a next
    (no COUNT over the whole table)."""
    query = in_scope(
        Case.select(*LIST_COLUMNS).join(Team, peewee.JOIN.LEFT_OUTER, on=(Case.team == Team.id)),
        user,
    )
    for condition in _conditions(f):
        query = query.where(condition)
    page = (
        query.order_by(*SORTS[f.sort])
        .limit(PAGE_SIZE + 1)
        .offset((f.page - 1) * PAGE_SIZE)
        .objects(SimpleNamespace)
    )
    rows = list(page)
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


@dataclass
class DeskCounts:
    """What waits on an office's desk: cases no team has yet, and open cases past their due."""

    waiting: int
    overdue: int


def desk_counts(office_id: int, today: date) -> DeskCounts:
    """Both counts in one statement, read from the index of open cases alone (migration 11)."""
    waiting, overdue = desk_counts_query(office_id, today).tuples().get()
    return DeskCounts(int(waiting), int(overdue))


def desk_counts_query(office_id: int, today: date) -> peewee.ModelSelect:
    def count(condition):
        return peewee.fn.COALESCE(peewee.fn.SUM(peewee.Case(None, [(condition, 1)], 0)), 0)

    return Case.select(
        count(Case.state == case_states.REFERRED),
        count(Case.overdue_on(today)),
    ).where((Case.office == office_id) & Case.state.in_(OPEN_STATES_SQL))


def _case_query(user: User) -> peewee.ModelSelect:
    """The cases the user may see, each with its team and its officer's name, and whether it
    has any findings: most cases have none until the field visit, and for those the case page
    need not ask for them (see findings())."""
    has_findings = peewee.fn.EXISTS(
        CaseFinding.select(peewee.SQL("1")).where(CaseFinding.case == Case.id)
    )
    query = (
        Case.select(Case, Team, Officer.id, Officer.name, has_findings.alias("has_findings"))
        .join(Team, peewee.JOIN.LEFT_OUTER, on=(Case.team == Team.id))
        .switch(Case)
        .join(Officer, peewee.JOIN.LEFT_OUTER, on=(Case.officer == Officer.id))
    )
    return in_scope(query, user)


# The case page's case in one statement written out (db.sql_models), with what the page shows
# besides its row: peewee building and rendering this query (the case's 37 columns, the joins,
# six subqueries) at every opening cost the page more than running it. `team_name` and
# `officer_name`; `has_findings`: most cases have none until the field visit, and for those the
# page need not ask for them (see findings()); `history`: the case's audited events other than
# reads, as a JSON array of [id, at, actor's username, action, details, actor's name] (in no
# order: see timeline()), the actor named from their account (the username if it is gone);
# `reads`: [how often it was opened, by how many people]. JSON is how both databases hand back
# many rows in one column (PostgreSQL's json_agg, SQLite's json_group_array). Issue 15,
# findings that count: `latest_interview`, the interview of the visit that counts
# (Case.latest_visit), for the page to show intake's and the field's answers side by side
# (answers_of). Issue 16: `on_hold` (a prevention-list hit its supervisor has not handled) and
# `has_links` (links to other offices' cases: see seen_elsewhere).
_CASE_PAGE = """
SELECT c.*, t.name AS team_name, o.name AS officer_name,
  EXISTS (SELECT 1 FROM case_finding f WHERE f.case_id = c.id) AS has_findings,
  (SELECT {group}({array}(e.id, e.at, e.actor_name, e.action, e.details, p.name))
   FROM audit_event e LEFT JOIN "user" p ON p.id = e.actor_id
   WHERE e.subject_type = 'case' AND e.subject_id = ? AND e.action <> ?) AS history,
  (SELECT {array}(COUNT(r.id), COUNT(DISTINCT r.actor_id))
   FROM audit_event r
   WHERE r.subject_type = 'case' AND r.subject_id = ? AND r.action = ?) AS reads,
  (SELECT v.interview FROM field_visit v WHERE v.case_id = c.id AND v.flag IS NULL
   ORDER BY v.received_at DESC, v.id DESC LIMIT 1) AS latest_interview,
  EXISTS (SELECT 1 FROM prevention_hit h WHERE h.case_id = c.id AND h.handled_at IS NULL)
    AS on_hold,
  EXISTS (SELECT 1 FROM case_link k WHERE k.case_id = c.id OR k.other_id = c.id) AS has_links
FROM "case" c
LEFT JOIN team t ON t.id = c.team_id
LEFT JOIN "user" o ON o.id = c.officer_id
WHERE c.id = ?"""
CASE_PAGE = {  # by is_postgres()
    False: _CASE_PAGE.format(group="json_group_array", array="json_array"),
    True: _CASE_PAGE.format(group="json_agg", array="json_build_array"),
}


def _assignable_query(office_id: int) -> peewee.ModelSelect:
    """An office's active teams, each joined to its active field officers (a team without any
    still comes, once)."""
    officer = (User.team == Team.id) & User.active & (User.role == roles.FIELD)
    return (
        Team.select(Team.id, Team.name, User.id, User.name)
        .join(User, peewee.JOIN.LEFT_OUTER, on=officer)
        .where((Team.office == office_id) & Team.active)
        .order_by(Team.name, Team.id, User.name)
        .tuples()
    )


# Each process's copy of offices' teams: database -> office id -> (teams version, teams).
_teams_held: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def office_teams(office: Office) -> list[Team]:
    """An office's teams by name, active or not (to find cases by): asked for only when the
    office's teams version, read with the signed-in user, is not the one they were last read
    at in this process (the database changes it with any change to the office's teams:
    migration 9)."""
    held = _teams_held.setdefault(database.obj, {})
    version, teams = held.get(office.id, (None, None))
    if version != office.teams_version:
        teams = list(Team.select().where(Team.office == office.id).order_by(Team.name))
        held[office.id] = (office.teams_version, teams)
    return teams


@dataclass
class Assignable:
    """Whom a case can be given to: an office's active teams by name, (id, name); their active
    field officers by name, (id, name, team's name)."""

    teams: list[tuple[int, str]]
    officers: list[tuple[int, str, str]]


def assignable(office_id: int) -> Assignable:
    """The teams and officers a case of this office can be assigned to, in one statement (an
    officer of an inactive team could not take the case, so is not offered)."""
    teams, officers = {}, []
    for team_id, team_name, officer_id, officer_name in _assignable_query(office_id):
        teams.setdefault(team_id, team_name)
        if officer_id is not None:
            officers.append((officer_id, officer_name, team_name))
    officers.sort(key=lambda officer: officer[1])
    return Assignable(list(teams.items()), officers)


def assignment(
    office_id: int, team_id: int, officer_id: int | None
) -> tuple[Team | None, User | None]:
    """The team of this office and the officer (if one is named) a case is to be given to, as
    the assignment form names them (service.assign checks that they may take it)."""
    team = Team.get_or_none((Team.id == team_id) & (Team.office == office_id))
    officer = User.get_or_none(User.id == officer_id) if officer_id is not None else None
    return team, officer


def existing_application_numbers(office, numbers: list[str]) -> set[str]:
    """Which of these application numbers are cases of the office already (asked 500 at a
    time, under any database's limit of parameters)."""
    existing = set()
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        existing |= {
            n
            for (n,) in Case.select(Case.application_number)
            .where((Case.office == office) & Case.application_number.in_(chunk))
            .tuples()
        }
    return existing


def visible_case(user: User, case_id: int) -> Case | None:
    """One case the user may see, with its team and its officer's name (no lazy loads later)."""
    return _case_query(user).where(Case.id == case_id).first()


def case_page(user: User, case_id: int, reader) -> Case | None:
    """A case the user may see with all its page shows but its findings (see _CASE_PAGE),
    its opening audited as `reader`'s (an accounts.Actor): the read event written only when
    the case is there for the user, which is what says whether it is (so never for a 404)."""
    kind, values = scope_of(user)
    read = audit.record_for_each(
        CASE_READ,
        Case,
        _scope_condition(kind, **values) & (Case.id == case_id),
        actor=reader.user,
        address=reader.address,
        at=reader.at,
    )
    if not read:
        return None
    subject = str(case_id)
    found = sql_models(
        Case, CASE_PAGE[is_postgres()], subject, CASE_READ, subject, CASE_READ, case_id
    )
    return found[0] if found else None


def findings(case: Case) -> list[CaseFinding]:
    """A case's findings, in the order they were made (none asked for when the case page's
    query found there are none)."""
    if not getattr(case, "has_findings", True):
        return []
    return list(CaseFinding.select().where(CaseFinding.case == case.id).order_by(CaseFinding.id))


def case_page_details(case: Case) -> dict:
    """What the case page shows besides the case read by case_page: its history and readings,
    findings, risk signals, documents, referral reasons and what its NIK decodes to."""
    timeline_, reads = timeline(case)
    return {
        "timeline": timeline_,
        "reads": reads,
        "findings": findings(case),
        "signals": json.loads(case.risk_signals or "[]"),
        "documents": json.loads(case.documents),
        "reasons": json.loads(case.referral_reasons),
        "decoded": identity.decode_nik(case.nik, case.application_date),
        "compared_answers": answers_of(case, _json(getattr(case, "latest_interview", None))),
    }


def answers_of(case: Case, interview: dict | None) -> list:
    """What intake and the field (the interview of the visit that counts, None before one)
    answered to the questions both ask (fieldcheck.domain.visits.BOTH_ANSWER)."""
    from fieldcheck.domain import visits

    intake = visits.intake_answers(
        visa_type=case.visa_type,
        documents=json.loads(case.documents or "[]"),
        costs_paid_by=case.costs_paid_by,
        job_offer_channel=case.job_offer_channel,
    )
    found = visits.facts_from_visit({"interview": interview}) if interview else {}
    return visits.answers_compared(intake, found)


@dataclass
class Happened:
    """One line of a case's timeline."""

    at: object
    actor_name: str | None
    action: str
    details: str

    @property
    def details_dict(self) -> dict:
        return json.loads(self.details or "{}")


def timeline(case: Case) -> tuple[list[Happened], tuple[int, int]]:
    """What happened to a case, oldest first, every audited change without the reads; and how
    often it was opened, by how many people: from the case page's query (see case_page).

    Every opening of the page is audited, so with reads the timeline would grow by a line each
    time anyone looked; they are counted instead.
    """
    history = _json(case.history) or []
    history.sort(key=lambda event: (_moment(event[1]), event[0]))
    events = [
        Happened(_moment(at), f"{name} ({username})" if name else username, action, details)
        for _, at, username, action, details, name in history
    ]
    opened, readers = _json(case.reads)
    return events, (opened, readers)


def _json(value):
    """A JSON column as Python: psycopg2 decodes PostgreSQL's json type itself, SQLite's is text."""
    return json.loads(value) if isinstance(value, str) else value


def _moment(text: str) -> datetime:
    """A stored moment as JSON gives it (naive UTC: 2026-12-03T09:10:21.5 on PostgreSQL, with
    a space on SQLite), as the aware UTC datetime the model would give."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- seen before (issue 16) ----------------------------------------------------------------------


def _refused_at():
    """When a case was last refused (a correlated subquery of Case)."""
    return Decision.select(peewee.fn.MAX(Decision.decided_at)).where(
        (Decision.case == Case.id) & (Decision.outcome == case_states.REFUSED)
    )


def earlier_cases_elsewhere(case: Case) -> list[dict]:
    """Other offices' cases, refused or still open, with the NIK or the birth date of this
    case's applicant: the rows fieldcheck.domain.watch.sightings weighs (both columns indexed,
    so only those people are read). A refusal's day is the refusing office's."""
    query = (
        Case.select(
            Case.id,
            Office.name,
            Office.time_zone,
            Case.state,
            Case.nik,
            Case.applicant_name,
            Case.birth_date,
            Case.application_date,
            _refused_at().alias("refused_at"),
        )
        .join(Office, on=(Case.office == Office.id))
        .where(
            ((Case.nik == case.nik) | (Case.birth_date == case.birth_date))
            & (Case.office != case.office_id)
            & Case.state.in_([*case_states.OPEN_STATES, case_states.REFUSED])
        )
        .tuples()
    )
    rows = []
    for case_id, office, zone, state, nik, name, born, applied, refused_at in query:
        refused_at = Decision.decided_at.python_value(refused_at)
        rows.append(
            {
                "id": case_id,
                "office": office,
                "state": state,
                "nik": nik,
                "name": name,
                "birth_date": Case.birth_date.python_value(born),
                "application_date": Case.application_date.python_value(applied),
                "refused_on": watch.day_in(refused_at, zone) if refused_at else None,
            }
        )
    return rows


@dataclass
class SeenElsewhere:
    """The same applicant's case in another office, as a supervisor is shown it: that office's
    name, the case's state and its date (the refusal's, else the application's) and whether it
    came before or after this one. Nothing else of the other case."""

    office: str
    state: str
    on: date
    earlier: bool


def seen_elsewhere(case: Case) -> list[SeenElsewhere]:
    """The other offices' cases linked to this one (CaseLink, either way), newest first (none
    asked for when the case page's query found the case has no links)."""
    if not getattr(case, "has_links", True):
        return []
    other = Case.alias("other")
    rows = []
    query = (  # both directions in one statement: the other case is whichever end is not this
        CaseLink.select(
            CaseLink.case,
            other.id,
            Office.name,
            Office.time_zone,
            other.state,
            other.application_date,
            Decision.select(peewee.fn.MAX(Decision.decided_at))
            .where((Decision.case == other.id) & (Decision.outcome == case_states.REFUSED))
            .alias("refused_at"),
        )
        .join(
            other,
            on=(
                ((CaseLink.case == case.id) & (other.id == CaseLink.other))
                | ((CaseLink.other == case.id) & (other.id == CaseLink.case))
            ),
        )
        .join(Office, on=(other.office == Office.id))
        .tuples()
    )
    for link_case, _, office, zone, state, applied, refused_at in query:
        refused_at = Decision.decided_at.python_value(refused_at)
        on = Case.application_date.python_value(applied)
        if state == case_states.REFUSED and refused_at:
            on = watch.day_in(refused_at, zone)
        rows.append(SeenElsewhere(office, state, on, earlier=link_case == case.id))
    rows.sort(key=lambda row: row.on, reverse=True)
    return rows


def on_hold(case: Case) -> bool:
    """Whether a case waits for its supervisor: someone it names is on the prevention list and
    the supervisor has not yet handled that hit (the case page's query tells it already)."""
    known = getattr(case, "on_hold", None)
    if known is not None:
        return bool(known)
    case_id = case.id
    return (
        PreventionHit.select()
        .where((PreventionHit.case == case_id) & PreventionHit.handled_at.is_null())
        .exists()
    )


def held_among(case_ids) -> int:
    """How many of these cases are on hold (see on_hold), asked 500 at a time."""
    ids, count = sorted(set(case_ids)), 0
    for start in range(0, len(ids), 500):
        count += (
            PreventionHit.select(peewee.fn.COUNT(PreventionHit.case.distinct()))
            .where(
                PreventionHit.case.in_(ids[start : start + 500])
                & PreventionHit.handled_at.is_null()
            )
            .scalar()
            or 0
        )
    return count
