"""Supervisors' decisions: verify (a signed field report), refuse (an internal decision record,
perhaps a Police referral), return for correction, revoke a verification."""

import json
import uuid
from datetime import timedelta

from flask import current_app

from fieldcheck import signing
from fieldcheck.accounts import Actor
from fieldcheck.audit import (  # the one vocabulary of actions
    REPORT_ISSUE,
    REPORT_REVOKE,
    canonical_json,
)
from fieldcheck.cases import service as cases
from fieldcheck.db import database
from fieldcheck.domain import case_states, qr
from fieldcheck.models import Case, Decision, FieldReport, FieldVisit
from fieldcheck.review import queries

REFUSAL_REASONS = (
    "trafficking_signs",
    "false_identity",
    "false_purpose",
    "recruiter_involved",
    "minor_without_consent",
    "documents_forged",
    "other",
)


class ReviewError(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def keys_folder():
    return current_app.instance_path


def decision_data(case: Case, decision: Decision, report_id: str) -> dict:
    """What the report's QR vouches for: the fields a passport officer relies on (no NIK)."""
    visit = case.latest_visit()
    return {
        "report_id": report_id,
        "application_number": case.application_number,
        "office": case.office.code,
        "decision": "verified",
        "decided_at": decision.decided_at.date().isoformat(),
        "supervisor": decision.supervisor.username,
        "team": case.team.name if case.team_id else None,
        "visit": visit.uuid if visit else None,
        "applicant": case.applicant_name,
        "destination": case.destination_country,
        "purpose": case.purpose,
    }


def verify(actor: Actor, case: Case, note: str = "") -> FieldReport:
    """Verified: the decision, the case's move, and a field report signed for its QR code.
    Not while the case is on hold: someone it names is on the prevention list, and the hit
    must be handled first (issue 16)."""
    if queries.on_hold(case):
        raise ReviewError("case_on_hold")
    try:
        key_id, private_key = signing.active_signing_key(keys_folder())
    except signing.KeyStoreError as error:
        raise ReviewError("no_signing_key") from error
    days = current_app.config["REPORT_VALID_DAYS"]
    with database.atomic():
        cases.move(actor, case, "verify")
        decision = Decision.create(
            case=case,
            outcome="verified",
            note=note.strip(),
            supervisor=actor.user,
            decided_at=actor.at,
        )
        report_id = str(uuid.uuid4())
        data = decision_data(case, decision, report_id)
        issued = actor.at.date()
        expires = issued + timedelta(days=days)
        digest = qr.decision_digest(data)
        text = qr.sign_report(
            {
                "report_id": report_id,
                "application_number": case.application_number,
                "decision": "V",
                "office": case.office.code,
                "issued": issued,
                "expires": expires,
                "digest": digest,
            },
            private_key,
            key_id,
        )
        report = FieldReport.create(
            report_id=report_id,
            case=case,
            decision=decision,
            issued=issued,
            expires=expires,
            key_id=key_id,
            digest=digest.hex(),
            decision_data=canonical_json(data),
            qr_text=text,
            created_at=actor.at,
        )
        actor.record(
            REPORT_ISSUE,
            ("case", case.id),
            {"report": report_id, "key": key_id, "expires": expires.isoformat()},
        )
    return report


def refuse(
    actor: Actor,
    case: Case,
    reasons: list[str],
    note: str,
    police_referral: bool,
    police_unit: str | None,
) -> Decision:
    """Refused: reasons required; a referral to the Police is recorded with the unit."""
    reasons = [r for r in reasons if r in REFUSAL_REASONS]
    if not reasons:
        raise ReviewError("reasons_required")
    if police_referral and not (police_unit or "").strip():
        raise ReviewError("police_unit_required")
    with database.atomic():
        words = ", ".join(reasons) + (f": {note.strip()}" if note.strip() else "")
        cases.move(
            actor,
            case,
            "refuse",
            reason=words,
            details={
                "reasons": reasons,
                "police_referral": police_referral,
                "police_unit": police_unit,
            },
        )
        return Decision.create(
            case=case,
            outcome="refused",
            reasons=json.dumps(reasons),
            note=note.strip(),
            police_referral=police_referral,
            police_unit=(police_unit or "").strip() or None,
            supervisor=actor.user,
            decided_at=actor.at,
        )


def return_for_correction(actor: Actor, case: Case, comment: str) -> FieldVisit:
    """Back to the officer who submitted, with the comment; it reaches the phone on its pull."""
    visit = case.latest_visit()
    if visit is None:
        raise ReviewError("nothing_to_return")
    with database.atomic():
        cases.move(actor, case, "return_for_correction", comment=comment)
        visit.returned_comment = comment.strip()
        visit.save(only=[FieldVisit.returned_comment])
    return visit


def revoke(actor: Actor, case: Case, reason: str) -> Decision:
    """A verification withdrawn: its reports answer REVOKED from now on.

    A case marked verified without a decision (data older than decisions) has nothing to
    withdraw: ReviewError("no_decision"), and nothing changes."""
    decision = queries.standing_verification(case)
    if decision is None and case.state == case_states.VERIFIED:
        raise ReviewError("no_decision")
    with database.atomic():
        cases.move(actor, case, "revoke", reason=reason)
        decision.revoked_at, decision.revoked_by = actor.at, actor.user
        decision.revoke_reason = reason.strip()
        decision.save()
        for report in decision.reports:
            report.revoked_at = actor.at
            report.save(only=[FieldReport.revoked_at])
            actor.record(
                REPORT_REVOKE,
                ("case", case.id),
                {"report": report.report_id, "reason": reason.strip()},
            )
    return decision


# The reports' pages name it here (fieldcheck.reports.views).
revoked_report_ids = queries.revoked_report_ids


def check_text(text: str, today) -> qr.Verification:
    """The passport officer's check: the same one the phone makes offline."""
    folder = keys_folder()
    return qr.verify_report(
        text,
        signing.public_keys(folder),
        signing.revoked_key_ids(folder),
        queries.revoked_report_ids(),
        today,
    )
