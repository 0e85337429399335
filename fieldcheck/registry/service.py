"""The questions a case asks the civil registry, and the clerk's answers.

Questions are made at intake (the applicant's NIK, family card and birth certificate) and from
each stored field verification (every family member's NIK and relationship, the household's
family card). Answers become registry findings that feed the risk signals; a case waiting in
`registry_check` goes on to review when its last question is answered.
"""

import json

from fieldcheck.accounts import Actor
from fieldcheck.db import database
from fieldcheck.domain import case_states, identity
from fieldcheck.models import Case, CaseFinding, FamilyMember, FieldVisit, RegistryQuestion, User

REGISTRY_ASK = "registry.ask"
REGISTRY_ANSWER = "registry.answer"
REGISTRY_CORRECT = "registry.correct"
REGISTRY_SKIP = "registry.proceed_without"

KINDS = ("nik_identity", "kk_membership", "birth_certificate", "member_identity")
ANSWERS = ("match", "mismatch", "not_found")


class RegistryError(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def _district(number: str | None, on, fallback: str | None, decode=identity.decode_nik) -> str:
    if number:
        decoded = decode(number, on)
        if decoded.valid:
            return decoded.district_code
    return fallback or ""


def _ask(
    actor: Actor, case: Case, kind: str, subject: str, region: str, claimed: dict, source: str
) -> RegistryQuestion | None:
    """Ask once per (case, kind, subject); a changed claim reopens the question."""
    text = json.dumps(claimed, sort_keys=True, default=str, ensure_ascii=False)
    existing = RegistryQuestion.get_or_none(
        (RegistryQuestion.case == case)
        & (RegistryQuestion.kind == kind)
        & (RegistryQuestion.subject == subject)
    )
    if existing is not None:
        if existing.claimed == text:
            return None
        existing.claimed, existing.status, existing.answer = text, "open", None
        existing.registry_value, existing.suggestion = None, None
        existing.save()
        question = existing
    else:
        question = RegistryQuestion.create(
            case=case,
            kind=kind,
            subject=subject,
            region_code=region,
            claimed=text,
            source=source,
            created_at=actor.at,
        )
    actor.record(
        REGISTRY_ASK, ("case", case.id), {"question": question.id, "kind": kind, "subject": subject}
    )
    return question


def ask_at_intake(actor: Actor, case: Case) -> list[RegistryQuestion]:
    """The applicant's NIK, family card and (when presented) birth certificate."""
    on, region = case.application_date, case.district_code or ""
    asked = [
        _ask(
            actor,
            case,
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
            "intake",
        )
    ]
    if case.kk:
        asked.append(
            _ask(
                actor,
                case,
                "kk_membership",
                "applicant",
                _district(case.kk, on, region, identity.decode_kk),
                {
                    "kk": case.kk,
                    "members": [
                        {"name": case.applicant_name, "nik": case.nik, "relation": "applicant"}
                    ],
                },
                "intake",
            )
        )
    if "birth_certificate" in json.loads(case.documents or "[]"):
        asked.append(
            _ask(
                actor,
                case,
                "birth_certificate",
                "applicant",
                region,
                {
                    "name": case.applicant_name,
                    "birth_date": case.birth_date,
                    "birth_place": case.birth_place,
                },
                "intake",
            )
        )
    return [q for q in asked if q is not None]


def ask_from_visit(actor: Actor, case: Case, visit: FieldVisit) -> list[RegistryQuestion]:
    """Each family member's NIK and relationship; the household's family card."""
    on, region = case.application_date, case.district_code or ""
    members = list(visit.family.order_by(FamilyMember.id))
    asked = []
    for member in members:
        if member.nik:
            asked.append(
                _ask(
                    actor,
                    case,
                    "member_identity",
                    member.uuid,
                    _district(member.nik, on, region),
                    {
                        "nik": member.nik,
                        "name": member.name,
                        "birth_date": member.birth_date,
                        "relation": member.relation,
                        "kk_relation": member.kk_relation,
                    },
                    "field",
                )
            )
    if case.kk and members:
        asked.append(
            _ask(
                actor,
                case,
                "kk_membership",
                "household",
                _district(case.kk, on, region, identity.decode_kk),
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
                "field",
            )
        )
    return [q for q in asked if q is not None]


def open_questions(case: Case) -> int:
    return (
        RegistryQuestion.select()
        .where((RegistryQuestion.case == case) & (RegistryQuestion.status == "open"))
        .count()
    )


def answer(
    actor: Actor,
    question: RegistryQuestion,
    verdict: str,
    registry_value: str | None,
    note: str = "",
) -> RegistryQuestion:
    """Record (or correct) the registry's answer; findings and risk follow at once."""
    from fieldcheck.cases import service as cases

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


def _refresh_findings(actor: Actor, case: Case):
    """The case's registry findings are what its current answers say (corrections included)."""
    from fieldcheck.cases import service as cases

    CaseFinding.delete().where(
        (CaseFinding.case == case) & (CaseFinding.source == "registry")
    ).execute()
    findings = []
    for q in RegistryQuestion.select().where(
        (RegistryQuestion.case == case) & RegistryQuestion.answer.in_(["mismatch", "not_found"])
    ):
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
    from fieldcheck.cases import service as cases

    with database.atomic():
        cases.move(actor, case, "begin_review", reason=reason)
        actor.record(
            REGISTRY_SKIP, ("case", case.id), {"reason": reason, "open": open_questions(case)}
        )
    return case


def after_submission(actor: Actor, case: Case, visit: FieldVisit):
    """A stored verification: ask about its family, then registry check or straight to review."""
    from fieldcheck.cases import service as cases

    ask_from_visit(actor, case, visit)
    action = "begin_registry_check" if open_questions(case) else "begin_review"
    cases.move(actor, case, action, role=case_states.SYSTEM)


def clerk_scope(user: User):
    """The questions a clerk answers: those of the districts within the clerk's regions."""
    regions = user.region_codes()
    if not regions:
        return RegistryQuestion.region_code.is_null() & RegistryQuestion.id.is_null()
    condition = None
    for code in regions:
        part = (RegistryQuestion.region_code == code) | RegistryQuestion.region_code.startswith(
            code + "."
        )
        condition = part if condition is None else condition | part
    return condition
