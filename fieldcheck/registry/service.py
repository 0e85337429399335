"""The questions a case asks the civil registry, and the clerk's answers.

Questions are made at intake (the applicant's NIK, family card and birth certificate) and from
each stored field verification (every family member's NIK and relationship, the household's
family card). Answers become registry findings that feed the risk signals; a case waiting in
`registry_check` goes on to review when its last question is answered.
"""

import json

from fieldcheck import events
from fieldcheck.accounts import Actor
from fieldcheck.audit import (  # the one vocabulary of actions
    REGISTRY_ANSWER,
    REGISTRY_ASK,
    REGISTRY_CORRECT,
    REGISTRY_SKIP,
)
from fieldcheck.cases import service as cases
from fieldcheck.db import database
from fieldcheck.domain import case_states, identity
from fieldcheck.models import Case, CaseFinding, FieldVisit, RegistryQuestion
from fieldcheck.registry import queries

# How a question's claim is stored and compared (made once: json.dumps with options makes a new
# encoder at every call).
_CLAIMED_JSON = json.JSONEncoder(sort_keys=True, default=str, ensure_ascii=False)

KINDS = ("nik_identity", "kk_membership", "birth_certificate", "member_identity")
ANSWERS = ("match", "mismatch", "not_found")


class RegistryError(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


class Ask:
    """One question to put to the registry: what, about whom, where, and what is claimed."""

    __slots__ = ("kind", "subject", "region", "claimed")

    def __init__(self, kind: str, subject: str, region: str, claimed: dict):
        self.kind, self.subject, self.region, self.claimed = kind, subject, region, claimed


def question_row(q: RegistryQuestion) -> dict:
    """A new question's row, by field name."""
    return {
        "case": q.case_id,
        "kind": q.kind,
        "subject": q.subject,
        "region_code": q.region_code,
        "claimed": q.claimed,
        "source": q.source,
        "status": q.status,
        "created_at": q.created_at,
    }


def _insert(questions: list[RegistryQuestion]):
    """Store new questions of one case in one statement, each given its id."""
    rows = [question_row(q) for q in questions]
    query = RegistryQuestion.insert_many(rows).returning(
        RegistryQuestion.id, RegistryQuestion.kind, RegistryQuestion.subject
    )
    ids = {(kind, subject): question_id for question_id, kind, subject in query.tuples().execute()}
    for question in questions:
        question.id = ids[(question.kind, question.subject)]


def _ask(
    actor: Actor,
    case: Case,
    asks: list[Ask],
    source: str,
    before: dict | None = None,
    insert=_insert,
) -> tuple[list, int]:
    """Ask each once per (case, kind, subject); a changed claim reopens the question.

    Returns the questions asked now (new or reopened) and how many of the case's questions
    are open after that. `before`: the case's questions by (kind, subject) when the caller
    looked them up already (kept up to date here), else they are read. `insert(questions)`
    stores new questions, each given its id.
    """
    if before is None:
        before = queries.case_questions(case)
    asked, new = [], []
    for ask in asks:
        text = _CLAIMED_JSON.encode(ask.claimed)
        question = before.get((ask.kind, ask.subject))
        if question is None:
            question = RegistryQuestion(
                case=case.id,
                kind=ask.kind,
                subject=ask.subject,
                region_code=ask.region,
                claimed=text,
                source=source,
                created_at=actor.at,
            )
            new.append(question)
        elif question.claimed != text:
            question.claimed, question.status, question.answer = text, "open", None
            question.registry_value, question.suggestion = None, None
            question.save()
        else:
            continue
        before[(ask.kind, ask.subject)] = question
        asked.append(question)
    if new:
        insert(new)
    for question in asked:
        actor.record(
            REGISTRY_ASK,
            ("case", case.id),
            {"question": question.id, "kind": question.kind, "subject": question.subject},
        )
    return asked, sum(q.status == "open" for q in before.values())


@events.case_created.connect
def _ask_about_a_new_case(case: Case, actor: Actor, **_):
    ask_at_intake(actor, case)


def ask_at_intake(actor: Actor, case: Case) -> list[RegistryQuestion]:
    """The applicant's NIK, family card and (when presented) birth certificate."""
    on, region = case.application_date, case.district_code or ""
    asks = [
        Ask(
            "nik_identity",
            "applicant",
            region,
            {
                "nik": case.nik,
                "name": case.applicant_name,
                "sex": case.sex,
                "birth_date": case.birth_date,
                "birth_place": case.birth_place,
            },
        )
    ]
    if case.kk:
        asks.append(
            Ask(
                "kk_membership",
                "applicant",
                queries.district_of(case.kk, on, region, identity.decode_kk),
                {
                    "kk": case.kk,
                    "members": [
                        {"name": case.applicant_name, "nik": case.nik, "relation": "applicant"}
                    ],
                },
            )
        )
    if "birth_certificate" in json.loads(case.documents or "[]"):
        asks.append(
            Ask(
                "birth_certificate",
                "applicant",
                region,
                {
                    "name": case.applicant_name,
                    "birth_date": case.birth_date,
                    "birth_place": case.birth_place,
                },
            )
        )
    return _ask(actor, case, asks, "intake")[0]


def ask_from_visit(
    actor: Actor, case: Case, visit: FieldVisit, members=None, before=None, insert=_insert
) -> tuple[list, int]:
    """Each family member's NIK and relationship; the household's family card.

    `members`: the visit's family members when the caller holds them (else they are read);
    `before` and `insert` as for _ask. Returns the questions asked and how many are open.
    """
    on, region = case.application_date, case.district_code or ""
    if members is None:
        members = queries.visit_family(visit)
    asks = [
        Ask(
            "member_identity",
            member.uuid,
            queries.district_of(member.nik, on, region),
            {
                "nik": member.nik,
                "name": member.name,
                "birth_date": member.birth_date,
                "relation": member.relation,
                "kk_relation": member.kk_relation,
            },
        )
        for member in members
        if member.nik
    ]
    if case.kk and members:
        asks.append(
            Ask(
                "kk_membership",
                "household",
                queries.district_of(case.kk, on, region, identity.decode_kk),
                {
                    "kk": case.kk,
                    "members": [
                        {
                            "name": m.name,
                            "nik": m.nik,
                            "relation": m.relation,
                            "kk_relation": m.kk_relation,
                        }
                        for m in members
                    ],
                },
            )
        )
    return _ask(actor, case, asks, "field", before, insert)


def open_questions(case: Case) -> int:
    return case.open_registry_questions()


def answer(
    actor: Actor,
    question: RegistryQuestion,
    verdict: str,
    registry_value: str | None,
    note: str = "",
) -> RegistryQuestion:
    """Record (or correct) the registry's answer; findings and risk follow at once."""

    if verdict not in ANSWERS:
        raise RegistryError("answer_invalid")
    registry_value = (registry_value or "").strip() or None
    if verdict == "mismatch" and not registry_value:
        raise RegistryError("registry_value_required")
    with database.atomic():
        before = {
            "answer": question.answer,
            "registry_value": question.registry_value,
            "note": question.note,
            "by": question.answered_by_id,
        }
        correcting = question.status == "answered"
        question.answer, question.registry_value = verdict, registry_value
        question.note, question.status = (note or "").strip(), "answered"
        question.answered_by, question.answered_at = actor.user, actor.at
        question.save()
        actor.record(
            REGISTRY_CORRECT if correcting else REGISTRY_ANSWER,
            ("case", question.case_id),
            {
                "question": question.id,
                "kind": question.kind,
                "answer": verdict,
                "registry_value": registry_value,
                "note": question.note,
                **({"before": before} if correcting else {}),
            },
        )
        case = Case.get_by_id(question.case_id)
        _refresh_findings(actor, case)
        if case.state == case_states.REGISTRY_CHECK and open_questions(case) == 0:
            cases.move(actor, case, "begin_review", role=case_states.SYSTEM)
    return question


def suggested_answer(question: RegistryQuestion) -> tuple[str, str | None, str]:
    """The pre-answer an extract left on a question, as the clerk confirms it: the verdict,
    what the registry holds, and the note."""
    suggestion = json.loads(question.suggestion)
    return suggestion["answer"], suggestion.get("registry_value"), suggestion.get("note", "")


def _refresh_findings(actor: Actor, case: Case):
    """The case's registry findings are what its current answers say (corrections included)."""

    CaseFinding.delete().where(
        (CaseFinding.case == case) & (CaseFinding.source == "registry")
    ).execute()
    findings = []
    for q in queries.unfavourable_answers(case):
        claimed = json.loads(q.claimed)
        findings.append(
            identity.Finding(
                f"registry_{q.kind}_{q.answer}",
                {
                    "name": claimed.get("name") or claimed.get("kk"),
                    "registry_value": q.registry_value,
                    "relation": claimed.get("relation"),
                },
            )
        )
    cases.add_findings(actor, case, "registry", findings)


def proceed_without(actor: Actor, case: Case, reason: str) -> Case:
    """A supervisor takes the case to review with registry questions still open (a reason)."""

    with database.atomic():
        cases.move(actor, case, "begin_review", reason=reason)
        actor.record(
            REGISTRY_SKIP, ("case", case.id), {"reason": reason, "open": open_questions(case)}
        )
    return case


def after_submission(
    actor: Actor,
    case: Case,
    visit: FieldVisit,
    members=None,
    before=None,
    save=True,
    insert=_insert,
):
    """A stored verification: ask about its family, then registry check or straight to review.

    `members`, `before`, `insert` and `save` as for ask_from_visit and cases.service.move."""

    _, still_open = ask_from_visit(actor, case, visit, members, before, insert)
    action = "begin_registry_check" if still_open else "begin_review"
    cases.move(actor, case, action, role=case_states.SYSTEM, save=save)
