"""Changes to cases: each one function, one transaction, one audit event.

Views, the CSV import, the sync handlers, the registry and the review all come through here, so
every rule about a case lives in one place: fieldcheck/domain holds the pure rules, this module
applies them to the database.
"""

import functools
import json
from dataclasses import dataclass
from datetime import date

from flask import current_app

from fieldcheck import events
from fieldcheck.accounts import Actor
from fieldcheck.audit import (  # the one vocabulary of actions
    CASE_CREATE,
    CASE_READ,
    CASE_RISK,
    CASE_SEARCH,
)
from fieldcheck.cases import query
from fieldcheck.db import database, transaction
from fieldcheck.domain import case_states, identity, signals
from fieldcheck.models import Case, CaseFinding, Office, Region, Team, User

# The fields of a case that intake fills in (by hand or from the passport system's export).
INTAKE_FIELDS = (
    "application_number",
    "application_date",
    "purpose",
    "destination_country",
    "sponsor",
    "sponsor_is_employer",
    "visa_type",
    "documents",
    "applicant_name",
    "nik",
    "kk",
    "birth_place",
    "birth_date",
    "sex",
    "marital_status",
    "address",
    "village_code",
    "phone",
    "referral_reasons",
    "referral_notes",
    "age_doubted",
    "priority",
    "due_date",
    # Answers the field gives too (fieldcheck.domain.visits.BOTH_ANSWER); optional.
    "job_offer_channel",
    "costs_paid_by",
    # Who offered the job (issue 16); optional, linked across cases by fieldcheck.recruiters.
    "recruiter_name",
    "recruiter_phone",
    "recruiter_agency",
    "recruiter_handle",
    "recruiter_account",
)


class CaseError(Exception):
    """A change the rules refuse; `code` is stable and `params` fill its translated message."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(code)


def search_name(name: str) -> str:
    """A name as searched: lower case, single spaces."""
    return " ".join(name.split()).lower()


def known_district(code: str) -> bool:
    return Region.select().where(Region.code == code).exists()


def office_region_codes(office: Office) -> list[str]:
    return office.region_codes()


@dataclass
class IdentityCheck:
    """What the identity numbers say about an applicant, and the findings they raise."""

    nik: identity.NikResult
    findings: list


def check_identity(
    *,
    nik: str,
    sex=None,
    birth_date=None,
    marital_status=None,
    office: Office | None = None,
    on: date,
) -> IdentityCheck:
    """Decode the NIK and cross-check it with what the application states."""
    decoded = identity.decode_nik(nik, on, known_district=known_district)
    findings = []
    if decoded.valid:
        findings = identity.cross_check(
            decoded,
            stated_sex=sex,
            stated_birth_date=birth_date,
            marital_status=marital_status,
            office_region_codes=office_region_codes(office) if office is not None else None,
            on=on,
        )
    return IdentityCheck(decoded, findings)


def rules() -> signals.Rules:
    return current_app.extensions["risk_rules"]


@dataclass
class Known:
    """What a caller holds about a case already (a sync push looks it up for a whole batch),
    so that evaluating its risk asks the database nothing again. None: look it up."""

    findings: list | None = None  # the case's CaseFindings
    latest_visit: object = None  # its latest unflagged FieldVisit
    outside_facts: dict | None = None  # what events.case_facts' receivers would add
    cache: dict | None = None  # what those receivers keep for a sync push (events.visits_arriving)


def facts_for(case: Case, known: Known | None = None) -> dict:
    """The facts the risk signals are evaluated on (fieldcheck.domain.signals documents them)."""
    from fieldcheck.domain import visits

    known = known or Known()
    age = identity.age_on(case.birth_date, case.application_date)
    if known.findings is not None:
        findings = known.findings
    else:
        findings = list(case.findings) if case.id else []
    identity_codes = {f.code for f in findings if f.source == "identity"}
    registry = [f for f in findings if f.source == "registry"]
    documents = json.loads(case.documents or "[]")
    facts = {
        "applicant.sex": case.sex,
        "applicant.age": age,
        "applicant.marital_status": case.marital_status,
        "application.destination_country": case.destination_country,
        "application.purpose": case.purpose,
        "application.documents": documents,
        "application.sponsor_is_employer": case.sponsor_is_employer,
        "referral.age_doubted": case.age_doubted,
        "identity.nik_mismatch_count": len(
            identity_codes & {"nik_sex_mismatch", "nik_birth_date_mismatch"}
        ),
        "identity.outside_office_area": "nik_outside_office_area" in identity_codes,
        **visits.intake_answers(
            visa_type=case.visa_type,
            documents=documents,
            costs_paid_by=case.costs_paid_by,
            job_offer_channel=case.job_offer_channel,
        ),
    }
    # Where intake and the field both answer, the field's answer wins (issue 15, item 6):
    # the visit's facts are laid over intake's.
    facts.update(_visit_facts(case, known))
    if known.outside_facts is not None:
        facts.update(known.outside_facts)
    elif case.id:  # what other parts know of it: the recruiters it names (fieldcheck.recruiters)
        for _, extra in events.case_facts.send(case, cache=known.cache):
            facts.update(extra or {})
    family = [f for f in findings if f.source == "family"]
    if family:  # members, not differences: one person whose card row differs twice counts once
        facts["family.card_mismatch_count"] = len(
            {json.loads(f.params).get("name") for f in family}
        )
    if registry:
        facts["registry.mismatch_count"] = sum(f.code.endswith("mismatch") for f in registry)
        facts["registry.not_found_count"] = sum(f.code.endswith("not_found") for f in registry)
    facts.update(_seen_before_facts(findings))
    return facts


# Issue 16: the findings of another office's case (fieldcheck.cases.history), as the facts
# naming its office and date.
SEEN_FACTS = {
    "seen_refused_elsewhere": ("history.refused_office", "history.refused_on"),
    "seen_in_check_elsewhere": ("history.in_check_office", "history.in_check_since"),
}


def _seen_before_facts(findings) -> dict:
    """What the applicant's other offices' cases and the prevention list say (issue 16)."""
    facts = {}
    for finding in findings:
        if finding.source == "history" and finding.code in SEEN_FACTS:
            office, on = SEEN_FACTS[finding.code]
            params = json.loads(finding.params)
            facts[office], facts[on] = params["office"], date.fromisoformat(params["on"])
        elif finding.source == "prevention":
            facts["prevention.listed"] = True
    return facts


# How a case's fired signals are stored (made once: json.dumps with options makes a new encoder
# at every call).
_SIGNALS_JSON = json.JSONEncoder(ensure_ascii=False)


@functools.lru_cache(maxsize=4096)
def _stored_signal(signal_id: str, weight: int, titles: tuple, reasons: tuple) -> str:
    """One fired signal as a case stores it, titles and reasons by language (id, en): encoded
    once for the same texts, which recur from case to case (a reason names a few counts)."""
    return _SIGNALS_JSON.encode(
        {
            "id": signal_id,
            "weight": weight,
            "title": dict(zip(("id", "en"), titles, strict=True)),
            "reason": dict(zip(("id", "en"), reasons, strict=True)),
        }
    )


def stored_signals(by_language: dict[str, signals.Evaluation]) -> str:
    """The signals an evaluation fired, as a case stores them: the JSON list of
    {"id", "weight", "title": {"id", "en"}, "reason": {"id", "en"}}, as the encoder writes a
    list (its items joined by ", ")."""
    return _stored_list(tuple(by_language["id"].fired), tuple(by_language["en"].fired))


@functools.lru_cache(maxsize=1024)  # at most about 4 MB: a list is some 4 kB
def _stored_list(indonesian: tuple, english: tuple) -> str:
    """stored_signals for the signals fired in each language (kept: cases share them)."""
    by_id = {s.id: s for s in english}
    items = [
        _stored_signal(s.id, s.weight, (s.title, by_id[s.id].title), (s.reason, by_id[s.id].reason))
        for s in indonesian
    ]
    return "[" + ", ".join(items) + "]"


def _visit_facts(case: Case, known: Known) -> dict:
    """What the latest field visit adds (a late or second one waits for the supervisor)."""
    from fieldcheck.domain import visits

    if not case.id:
        return {}
    visit = known.latest_visit or case.latest_visit()
    if visit is None:
        return {}
    facts = visits.facts_from_visit(
        {
            "interview": json.loads(visit.interview or "{}"),
            "household": {
                "aware_of_trip": visit.household_aware_of_trip,
                "purpose_matches": visit.household_purpose_matches,
            },
        }
    )
    return facts


def evaluate_risk(case: Case, known: Known | None = None) -> signals.Evaluation:
    """Evaluate the risk signals and store them with their reasons in both languages."""
    facts = facts_for(case, known)
    by_language = signals.evaluate_in(rules(), facts, ("id", "en"))
    first = by_language["id"]
    case.risk_score = first.score
    case.risk_level = first.level
    case.rules_version = first.rules_version
    case.risk_signals = stored_signals(by_language)
    return first


def save_case(case: Case):
    """Store what changed on a case (only the changed columns)."""
    if case.is_dirty():
        case.save(only=case.dirty_fields)


def record_case_change(case: Case, *other_teams):
    """Tell the phones of the case's team (and of teams it left) that it changed."""
    engine = current_app.extensions.get("sync")
    if engine is None:
        return
    for team_id in {case.team_id, *other_teams} - {None}:
        engine.record_change(f"team:{team_id}", "case", case.id)


def create_case(actor: Actor, office: Office, data: dict, source: str = "intake") -> Case:
    """A new case from an application referred by intake (`source`: "intake", the form, or
    "import", the passport system's export); its identity checked, risk scored."""
    on = data["application_date"]
    check = check_identity(
        nik=data["nik"],
        sex=data.get("sex"),
        birth_date=data.get("birth_date"),
        marital_status=data.get("marital_status"),
        office=office,
        on=on,
    )
    if not check.nik.valid:
        raise CaseError("nik_invalid", problems=[p.code for p in check.nik.errors])
    with database.atomic():
        if (
            Case.select()
            .where(
                (Case.office == office) & (Case.application_number == data["application_number"])
            )
            .exists()
        ):
            raise CaseError("duplicate_application", number=data["application_number"])
        values = {k: data.get(k) for k in INTAKE_FIELDS if k in data}
        for text in ("address", "referral_notes"):
            values[text] = (values.get(text) or "").strip()
        values["documents"] = json.dumps(sorted(values.get("documents") or []))
        values["referral_reasons"] = json.dumps(sorted(values.get("referral_reasons") or []))
        case = Case(
            office=office,
            state=case_states.REFERRED,
            created_by=actor.user,
            created_at=actor.at,
            updated_at=actor.at,
            search_name=search_name(data["applicant_name"]),
            district_code=check.nik.district_code,
            **values,
        )
        case.save()
        # What intake named is linked before the risk is evaluated (fieldcheck.recruiters).
        events.case_referred.send(case, actor=actor)
        for finding in [*check.findings, *check.nik.warnings]:
            CaseFinding.create(
                case=case,
                source="identity",
                code=finding.code,
                severity=getattr(finding, "severity", "info"),
                params=json.dumps(finding.params, default=str),
                created_at=actor.at,
            )
        evaluate_risk(case)
        case.save()
        actor.record(
            CASE_CREATE,
            case,
            {
                "application_number": case.application_number,
                "risk_level": case.risk_level,
                "rules_version": case.rules_version,
            },
        )
        # After the creation event: the timeline shows the case made, then what reacted to it
        # (the registry's questions: fieldcheck.registry.service).
        events.case_created.send(case, actor=actor, source=source)
    return case


def reevaluate(
    actor: Actor, case: Case, source: str, *, known: Known | None = None, save=True
) -> Case:
    """Evaluate the risk signals again after the case learned something (audited)."""
    return add_findings(actor, case, source, [], known=known, save=save)


def add_findings(
    actor: Actor, case: Case, source: str, findings, *, known: Known | None = None, save=True
) -> Case:
    """Record what was found about a case and re-evaluate its risk signals at once.

    The case's version is not bumped: it counts the changes a phone must see (state,
    assignment), and a new registry answer must not turn an officer's amendment into a conflict.
    With save=False the case is changed in memory and audited; the caller saves it (save_case)
    in the same transaction, once for several changes.
    """
    with transaction():
        for finding in findings:
            stored = CaseFinding.create(
                case=case,
                source=source,
                code=finding.code,
                severity=getattr(finding, "severity", "warning"),
                params=json.dumps(finding.params, default=str),
                created_at=actor.at,
            )
            if known is not None and known.findings is not None:
                known.findings.append(stored)
        before = [case.risk_level, case.risk_score]
        evaluate_risk(case, known)
        case.updated_at = actor.at
        if save:
            save_case(case)
        actor.record(
            CASE_RISK,
            case,
            {
                "source": source,
                "findings": [f.code for f in findings],
                "risk": [before, [case.risk_level, case.risk_score]],
                "rules_version": case.rules_version,
            },
        )
    return case


def move(
    actor: Actor,
    case: Case,
    action: str,
    *,
    reason=None,
    comment=None,
    role: str | None = None,
    details=None,
    save=True,
) -> Case:
    """Take a state-machine action on a case, audited as `case.<action>`.

    With save=False the case is changed in memory, audited and announced to the phones; the
    caller saves it (save_case) in the same transaction, once for several changes.
    """
    role = role or (actor.user.role if actor.user else case_states.SYSTEM)  # no user: the CLI
    open_questions = case.open_registry_questions() if action == "begin_review" else 0
    try:
        target = case_states.transition(
            case.state, action, role, reason=reason, comment=comment, open_questions=open_questions
        )
    except case_states.TransitionError as error:
        raise CaseError(error.code, **error.params) from error
    with transaction():
        before = case.state
        case.state = target
        case.version += 1
        case.updated_at = actor.at
        if save:
            save_case(case)
        record_case_change(case, (details or {}).get("previous_team"))
        words = {k: v for k, v in (("reason", reason), ("comment", comment)) if v}
        actor.record(
            f"case.{action}", case, {"from": before, "to": target, **words, **(details or {})}
        )
    return case


def assign(
    actor: Actor, case: Case, team: Team, officer: User | None = None, reason: str | None = None
) -> Case:
    """Give a case to a district team (and optionally one officer), or move it to another."""
    if team.office_id != case.office_id or not team.active:
        raise CaseError("team_not_in_office")
    if officer is not None and (officer.team_id != team.id or not officer.active):
        raise CaseError("officer_not_in_team")
    if query.on_hold(case):  # issue 16: the prevention list's hold waits for the supervisor
        raise CaseError("case_on_hold")
    action = "assign" if case.state == case_states.REFERRED else "reassign"
    with database.atomic():
        details = {
            "team": team.id,
            "officer": officer.id if officer else None,
            "previous_team": case.team_id,
            "previous_officer": case.officer_id,
            # The names as they were then, for the timeline (teams are renamed, people leave).
            "team_name": team.name,
            "officer_name": officer.name if officer else None,
        }
        case.team, case.officer = team, officer
        move(actor, case, action, reason=reason, details=details)
    return case


def cancel(actor: Actor, case: Case, reason: str) -> Case:
    """Close a case that no longer needs a field check (the reason is required and audited)."""
    return move(actor, case, "cancel", reason=reason)


def record_read(actor: Actor, case: Case):
    """Opening a case page is a read of personal data: audited (one INSERT, atomic alone: no
    BEGIN and COMMIT round trips of its own)."""
    actor.record(CASE_READ, case)


def record_search(actor: Actor, query: str, filters: dict, results: int):
    with database.atomic():
        actor.record(CASE_SEARCH, None, {"query": query, "filters": filters, "results": results})
