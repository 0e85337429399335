"""Routes of the review blueprint."""

import json

import peewee
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fieldcheck import audit, labels
from fieldcheck.accounts import Actor
from fieldcheck.cases import query
from fieldcheck.cases import service as cases
from fieldcheck.clock import utcnow
from fieldcheck.domain import case_states, identity, roles
from fieldcheck.errors import message
from fieldcheck.i18n import local_today
from fieldcheck.models import (
    Case,
    Decision,
    FamilyMember,
    FieldReport,
    FieldVisit,
    RegistryQuestion,
    Team,
)
from fieldcheck.registry import service as registry
from fieldcheck.review import bp, service
from fieldcheck.security import client_address, roles_required

supervisor_only = roles_required(roles.SUPERVISOR)

REFUSAL_LABELS = {
    "trafficking_signs": _l("Signs that the applicant is a victim of trafficking"),
    "false_identity": _l("The identity does not hold"),
    "false_purpose": _l("The stated purpose of travel does not hold"),
    "recruiter_involved": _l("An illegal recruiter is involved"),
    "minor_without_consent": _l("A minor without both parents' consent"),
    "documents_forged": _l("Forged or altered documents"),
    "other": _l("Other (see the note)"),
}
ERRORS = {
    "no_signing_key": _l(
        "No report-signing key exists: the administrator must run "
        "`fieldcheck keys create` first. Nothing was decided."
    ),
    "reasons_required": _l("Choose at least one reason for the refusal."),
    "police_unit_required": _l("Name the Police unit the case is referred to."),
    "nothing_to_return": _l("There is no submission to return."),
    "no_decision": _l(
        "This case was marked verified without a decision record or a field report, so "
        "there is nothing to revoke. Nothing was changed."
    ),
}


def _actor() -> Actor:
    return Actor(current_user._get_current_object(), utcnow(), client_address())


def _case_or_404(case_id: int) -> Case:
    case = query.visible_cases(current_user).where(Case.id == case_id).first()
    if case is None:
        abort(404)
    return case


def _fail(case: Case, error) -> object:
    code = error.code
    flash(str(ERRORS.get(code)) if code in ERRORS else message(code, error.params), "error")
    return redirect(url_for("review.show", case_id=case.id), code=303)


@bp.route("/")
@supervisor_only
def index():
    """Cases under review, overdue cases, late and conflicting submissions, team workload."""
    office = current_user.office_id
    mine = Case.select().where(Case.office == office)
    under_review = list(
        mine.where(Case.state == case_states.UNDER_REVIEW).order_by(Case.updated_at, Case.id)
    )
    today = local_today()  # the office's day, as the case list's overdue filter and badge
    overdue = list(
        mine.where(Case.state.in_(case_states.OPEN_STATES) & (Case.due_date < today))
        .order_by(Case.due_date)
        .limit(100)
    )
    flagged = list(
        FieldVisit.select(FieldVisit, Case)
        .join(Case)
        .where((Case.office == office) & FieldVisit.flag.is_null(False))
        .order_by(FieldVisit.received_at.desc())
        .limit(100)
    )
    workload = list(
        Team.select(Team, peewee.fn.COUNT(Case.id).alias("open_cases"))
        .join(
            Case,
            peewee.JOIN.LEFT_OUTER,
            on=((Case.team == Team.id) & Case.state.in_(case_states.OPEN_STATES)),
        )
        .where(Team.office == office)
        .group_by(Team.id)
        .order_by(Team.name)
    )
    parts = {"under_review": len(under_review), "overdue": len(overdue), "flagged": len(flagged)}
    audit.record_list_read(
        _actor(), audit.REVIEW_QUEUE, {}, sum(parts.values()), parts=parts, scope={"office": office}
    )
    return render_template(
        "review/index.html",
        under_review=under_review,
        overdue=overdue,
        flagged=flagged,
        workload=workload,
        labels=labels.for_reader(),
        today=today,
    )


@bp.route("/cases/<int:case_id>")
@supervisor_only
def show(case_id):
    """All the evidence of a case, and the decision."""
    case = _case_or_404(case_id)
    cases.record_read(_actor(), case)
    visits = list(
        FieldVisit.select().where(FieldVisit.case == case).order_by(FieldVisit.received_at.desc())
    )
    current = case.latest_visit()
    family = list(current.family.order_by(FamilyMember.id)) if current else []
    questions = list(
        RegistryQuestion.select().where(RegistryQuestion.case == case).order_by(RegistryQuestion.id)
    )
    decisions = list(Decision.select().where(Decision.case == case).order_by(Decision.id))
    reports = list(FieldReport.select().where(FieldReport.case == case).order_by(FieldReport.id))
    return render_template(
        "review/show.html",
        case=case,
        visits=visits,
        current=current,
        family=family,
        interview=json.loads(current.interview) if current else {},
        photos=json.loads(current.photos) if current else [],
        questions=questions,
        decisions=decisions,
        reports=reports,
        signals=json.loads(case.risk_signals or "[]"),
        findings=list(case.findings),
        decoded=identity.decode_nik(case.nik, case.application_date),
        labels=labels.for_reader(),
        message=message,
        json=json,
        refusal_labels=REFUSAL_LABELS,
        open_questions=registry.open_questions(case),
        actions=case_states.allowed_actions(case.state, roles.SUPERVISOR),
        timeline=audit.events_for("case", case.id),
        kinds=labels.REGISTRY_QUESTIONS,
        answers=labels.REGISTRY_ANSWERS,
    )


@bp.route("/cases/<int:case_id>/verify", methods=["POST"])
@supervisor_only
def verify(case_id):
    case = _case_or_404(case_id)
    try:
        report = service.verify(_actor(), case, request.form.get("note", ""))
    except (service.ReviewError, cases.CaseError) as error:
        return _fail(case, error)
    flash(
        _("Verified. The field report %(id)s is ready to print.", id=report.report_id[:8]),
        "success",
    )
    return redirect(url_for("review.show", case_id=case.id), code=303)


@bp.route("/cases/<int:case_id>/refuse", methods=["POST"])
@supervisor_only
def refuse(case_id):
    case = _case_or_404(case_id)
    try:
        service.refuse(
            _actor(),
            case,
            request.form.getlist("reasons"),
            request.form.get("note", ""),
            request.form.get("police_referral") == "1",
            request.form.get("police_unit"),
        )
    except (service.ReviewError, cases.CaseError) as error:
        return _fail(case, error)
    flash(_("Refused. The decision record is ready to print."), "success")
    return redirect(url_for("review.show", case_id=case.id), code=303)


@bp.route("/cases/<int:case_id>/return", methods=["POST"])
@supervisor_only
def return_(case_id):
    case = _case_or_404(case_id)
    try:
        service.return_for_correction(_actor(), case, request.form.get("comment", ""))
    except (service.ReviewError, cases.CaseError) as error:
        return _fail(case, error)
    flash(_("Returned to the officer with your comment."), "success")
    return redirect(url_for("review.show", case_id=case.id), code=303)


@bp.route("/cases/<int:case_id>/proceed", methods=["POST"])
@supervisor_only
def proceed(case_id):
    """Go on to the review without the registry's remaining answers (a reason is required)."""
    case = _case_or_404(case_id)
    try:
        registry.proceed_without(_actor(), case, request.form.get("reason", ""))
    except cases.CaseError as error:
        return _fail(case, error)
    flash(_("The case goes on to review without the remaining registry answers."), "success")
    return redirect(url_for("review.show", case_id=case.id), code=303)


@bp.route("/cases/<int:case_id>/revoke", methods=["POST"])
@supervisor_only
def revoke(case_id):
    case = _case_or_404(case_id)
    try:
        service.revoke(_actor(), case, request.form.get("reason", ""))
    except (service.ReviewError, cases.CaseError) as error:
        return _fail(case, error)
    flash(_("The verification is revoked: its report now answers REVOKED."), "success")
    return redirect(url_for("review.show", case_id=case.id), code=303)


@bp.route("/cases/<int:case_id>/decision")
@supervisor_only
def decision_record(case_id):
    """The internal decision record of a refused case (printable; no QR)."""
    case = _case_or_404(case_id)
    decision = (
        Decision.select()
        .where((Decision.case == case) & (Decision.outcome == "refused"))
        .order_by(Decision.id.desc())
        .first()
    )
    if decision is None:
        abort(404)
    cases.record_read(_actor(), case)
    return render_template(
        "review/decision.html",
        case=case,
        decision=decision,
        labels=labels.for_reader(),
        reasons=json.loads(decision.reasons),
        refusal_labels=REFUSAL_LABELS,
    )
