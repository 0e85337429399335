"""Finding cases: who may see which (scope), and the case list's filters, search and sort."""

import re
from dataclasses import dataclass, field
from datetime import date

import peewee

from fieldcheck.domain import case_states, roles
from fieldcheck.models import Case, Team, User

PAGE_SIZE = 25

SORTS = {
    "newest": (Case.created_at.desc(), Case.id.desc()),
    "oldest": (Case.created_at.asc(), Case.id.asc()),
    "due": (Case.due_date.asc(nulls="LAST"), Case.id.asc()),
    "risk": (Case.risk_score.desc(), Case.id.desc()),
    "name": (Case.search_name.asc(), Case.id.asc()),
}


def visible_cases(user: User) -> peewee.ModelSelect:
    """The cases a user may see: office staff their office's, field officers their team's."""
    query = Case.select(Case, Team).join(Team, peewee.JOIN.LEFT_OUTER, on=(Case.team == Team.id))
    if user.role in (roles.ADMIN, roles.INTAKE, roles.SUPERVISOR):
        return query.where(Case.office == user.office_id)
    if user.role == roles.FIELD and user.team_id:
        return query.where((Case.team == user.team_id) & (Case.state != case_states.REFERRED))
    return query.where(Case.id.is_null())  # registry clerks and passport officers: none here


@dataclass
class CaseFilter:
    """The case list's filters, as the form sends them (search text `q` only ever by POST)."""

    state: str = ""
    district: str = ""
    team: int | None = None
    risk: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "newest"
    q: str = ""
    page: int = 1
    problems: list = field(default_factory=list)

    @classmethod
    def from_form(cls, form) -> "CaseFilter":
        f = cls()
        f.state = form.get("state", "") if form.get("state") in case_states.STATES else ""
        district = form.get("district", "").strip()
        f.district = district if re.fullmatch(r"\d{2}(\.\d{2}){0,2}", district) else ""
        if district and not f.district:
            f.problems.append("district")
        f.team = int(form["team"]) if form.get("team", "").isdigit() else None
        f.risk = form.get("risk", "") if form.get("risk") in ("low", "medium", "high") else ""
        f.date_from = _date(form.get("date_from"), f, "date_from")
        f.date_to = _date(form.get("date_to"), f, "date_to")
        f.sort = form.get("sort") if form.get("sort") in SORTS else "newest"
        f.q = " ".join(form.get("q", "").split())[:100]
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


def apply_filter(query: peewee.ModelSelect, f: CaseFilter) -> peewee.ModelSelect:
    if f.state:
        query = query.where(Case.state == f.state)
    if f.district:
        query = query.where(
            (Case.district_code == f.district) | Case.district_code.startswith(f.district + ".")
        )
    if f.team:
        query = query.where(Case.team == f.team)
    if f.risk:
        query = query.where(Case.risk_level == f.risk)
    if f.date_from:
        query = query.where(Case.application_date >= f.date_from)
    if f.date_to:
        query = query.where(Case.application_date <= f.date_to)
    if f.q:
        query = query.where(search_condition(f.q))
    return query


def search_condition(q: str):
    """Digits search NIKs (prefix) and application numbers; words search names in any order."""
    compact = re.sub(r"[\s.\-]", "", q)
    if compact.isdigit() and len(compact) >= 6:
        return Case.nik.startswith(compact) | (Case.application_number == q.upper())
    condition = Case.application_number == q.upper()
    words = q.lower().split()
    name = None
    for word in words:
        part = Case.search_name.contains(word)
        name = part if name is None else name & part
    return condition | name


def page_of(query: peewee.ModelSelect, f: CaseFilter) -> tuple[list, bool]:
    """One page of cases, and whether there is a next one (no COUNT over the whole table)."""
    rows = list(
        query.order_by(*SORTS[f.sort]).limit(PAGE_SIZE + 1).offset((f.page - 1) * PAGE_SIZE)
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
