"""What the registry desk reads: the clerk's questions (scoped to their regions), the queue's
filters, the extracts and their people, and who may open a case's family card."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee

from fieldcheck import labels
from fieldcheck.domain import areas, identity, roles
from fieldcheck.models import (
    Case,
    FamilyMember,
    FieldVisit,
    Office,
    RegistryExtract,
    RegistryPerson,
    RegistryQuestion,
    User,
)

PAGE = 50
PRINT_LIMIT = 2000  # the printed list's rows at most

# Bounds of what the queue's filters take from a URL (a larger number is read as these).
MAX_AGE_DAYS = 36_500
MAX_PAGE = 100_000


# --- regions ---------------------------------------------------------------------------------


def in_regions(code: str | None, regions) -> bool:
    """Whether a district code lies within one of the regions (domain.areas.within)."""
    return bool(code) and any(areas.within(code, region) for region in regions)


def questions_in_regions(regions):
    """in_regions as SQL, on a question's district (no question when there are no regions)."""
    condition = RegistryQuestion.id.is_null()  # false: every question has an id
    for code in regions:
        within = RegistryQuestion.region_code.startswith(code + ".")
        condition |= (RegistryQuestion.region_code == code) | within
    return condition


def clerk_scope(user: User):
    """The questions a clerk answers: those of the districts within the clerk's regions."""
    return questions_in_regions(user.region_codes())


def district_of(number: str | None, on, fallback: str | None, decode=identity.decode_nik) -> str:
    """The district a NIK (or, with decode=identity.decode_kk, a family card) was issued in,
    else `fallback` (or "") when there is no valid number."""
    if number:
        decoded = decode(number, on)
        if decoded.valid:
            return decoded.district_code
    return fallback or ""


def case_district(case: Case) -> str:
    """Where a case lies for the registry: its own district, else its family card's."""
    return case.district_code or district_of(
        case.kk, case.application_date, None, identity.decode_kk
    )


def may_read_family(user: User, case: Case) -> bool:
    """Who may open a case's family card: a registry clerk when the case lies within their
    regions, office staff when it is their office's case."""
    if user.role == roles.REGISTRY:
        return in_regions(case_district(case), user.region_codes())
    return case.office_id == user.office_id


def family_case(user: User, case_id: int) -> Case | None:
    """A case whose family card the user may open (may_read_family), else None."""
    case = Case.get_or_none(Case.id == case_id)
    return case if case is not None and may_read_family(user, case) else None


# --- the clerk's queue -----------------------------------------------------------------------


def clerk_questions(user: User) -> peewee.ModelSelect:
    """The questions of the clerk's regions, each with its case and the case's office."""
    return (
        RegistryQuestion.select(RegistryQuestion, Case, Office)
        .join(Case)
        .join(Office)
        .where(clerk_scope(user))
    )


def clerk_question(user: User, question_id: int) -> RegistryQuestion | None:
    """One question of the clerk's regions, else None."""
    return clerk_questions(user).where(RegistryQuestion.id == question_id).first()


@dataclass
class QueueFilter:
    """The clerk's queue as the URL asks for it: open or answered questions, perhaps of one
    application number, office or priority, or older than `age` days; and which page."""

    status: str = "open"
    number: str = ""
    office: int | None = None
    priority: str = ""
    age: int | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args, status: str | None = None) -> "QueueFilter":
        """The filters of a URL's arguments (`status` instead of the URL's when given); what
        does not parse is no filter, numbers beyond the bounds are read as the bounds."""
        status = status or args.get("status")
        number = args.get("case", "").strip().upper()
        office, age, page = args.get("office", ""), args.get("age", ""), args.get("page", "")
        return cls(
            status="answered" if status == "answered" else "open",
            number=number,
            office=int(office) if office.isdigit() else None,
            priority=args["priority"] if args.get("priority") in labels.PRIORITIES else "",
            # older than a century is as old as it gets
            age=min(int(age), MAX_AGE_DAYS) if age.isdigit() else None,
            page=min(max(1, int(page)), MAX_PAGE) if page.isdigit() else 1,
        )

    def for_audit(self) -> dict:
        """The filters as the audit event of the read names them: the application number only
        as given, since the box takes whatever is typed in it."""
        filters = {"status": self.status}
        if self.number:
            filters["application_number"] = "given"
        if self.office is not None:
            filters["office"] = self.office
        if self.priority:
            filters["priority"] = self.priority
        if self.age is not None:
            filters["age"] = self.age
        return filters


def queue(user: User, f: QueueFilter, now: datetime) -> peewee.ModelSelect:
    """The clerk's questions the filter asks for: open ones oldest first, answered ones the
    latest answered first."""
    query = clerk_questions(user).where(RegistryQuestion.status == f.status)
    if f.number:
        query = query.where(Case.application_number == f.number)
    if f.office is not None:
        query = query.where(Case.office == f.office)
    if f.priority:
        query = query.where(Case.priority == f.priority)
    if f.age is not None:
        query = query.where(RegistryQuestion.created_at <= now - timedelta(days=f.age))
    if f.status == "open":
        return query.order_by(RegistryQuestion.created_at.asc(), RegistryQuestion.id)
    return query.order_by(RegistryQuestion.answered_at.desc(), RegistryQuestion.id.desc())


def queue_page(user: User, f: QueueFilter, now: datetime) -> tuple[list, bool]:
    """The filter's page of the queue, and whether there is a next one."""
    questions = list(queue(user, f, now).limit(PAGE + 1).offset((f.page - 1) * PAGE))
    return questions[:PAGE], len(questions) > PAGE


def printable(user: User, f: QueueFilter, now: datetime) -> list[RegistryQuestion]:
    """The questions of the printed list (PRINT_LIMIT at most)."""
    return list(queue(user, f, now).limit(PRINT_LIMIT))


def offices() -> list[Office]:
    """Every office by name, to filter the queue by."""
    return list(Office.select().order_by(Office.name))


# --- a case's questions ----------------------------------------------------------------------


def case_questions(case: Case) -> dict:
    """A case's questions by (kind, subject)."""
    return {
        (q.kind, q.subject): q
        for q in RegistryQuestion.select().where(RegistryQuestion.case == case)
    }


def unfavourable_answers(case: Case) -> list[RegistryQuestion]:
    """A case's questions the registry answered mismatch or not found."""
    return list(
        RegistryQuestion.select().where(
            (RegistryQuestion.case == case) & RegistryQuestion.answer.in_(["mismatch", "not_found"])
        )
    )


def open_questions_in_regions(regions) -> list[RegistryQuestion]:
    """The open questions of the districts within `regions`."""
    return list(
        RegistryQuestion.select().where(
            (RegistryQuestion.status == "open") & questions_in_regions(regions)
        )
    )


def visit_family(visit: FieldVisit) -> list[FamilyMember]:
    """The family members recorded at a visit, in the order they were recorded."""
    return list(visit.family.order_by(FamilyMember.id))


# --- extracts --------------------------------------------------------------------------------


def extracts_loaded_by(user: User) -> list[RegistryExtract]:
    """The extracts a user loaded, the newest first."""
    return list(
        RegistryExtract.select()
        .where(RegistryExtract.loaded_by == user.id)
        .order_by(RegistryExtract.loaded_at.desc(), RegistryExtract.id.desc())
    )


def extract_people(extract: RegistryExtract) -> list[dict]:
    """The people of an extract, as rows."""
    return list(
        RegistryPerson.select()
        .where(RegistryPerson.extract == extract)
        .order_by(RegistryPerson.id)
        .dicts()
    )


def expired_extract_ids(now: datetime) -> list[int]:
    """The extracts past their purge date."""
    query = RegistryExtract.select(RegistryExtract.id).where(RegistryExtract.purge_after <= now)
    return [extract.id for extract in query]


def card_members(kk: str) -> tuple[RegistryExtract | None, list[dict]]:
    """The people of a family card in the newest extract that holds it."""
    newest = (
        RegistryPerson.select(RegistryPerson.extract)
        .join(RegistryExtract)
        .where(RegistryPerson.kk == kk)
        .order_by(RegistryExtract.loaded_at.desc(), RegistryExtract.id.desc())
        .first()
    )
    if newest is None:
        return None, []
    extract = RegistryExtract.get_by_id(newest.extract_id)
    people = list(
        RegistryPerson.select()
        .where((RegistryPerson.extract == extract) & (RegistryPerson.kk == kk))
        .order_by(RegistryPerson.id)
        .dicts()
    )
    return extract, people
