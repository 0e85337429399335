"""Routes of the review blueprint."""

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fieldcheck import audit, labels
from fieldcheck.accounts import Actor
from fieldcheck.cases import service as cases
from fieldcheck.clock import utcnow
from fieldcheck.domain import case_states, roles
from fieldcheck.errors import message
from fieldcheck.i18n import local_today
from fieldcheck.models import Case
from fieldcheck.registry import family
from fieldcheck.registry import service as registry
from fieldcheck.review import bp, queries, service
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


def _actor() -> Actor:
    return Actor(current_user._get_current_object(), utcnow(), client_address())


def _case_or_404(case_id: int) -> Case:
    case = queries.case_for_review(current_user, case_id)
    if case is None:
        abort(404)
    return case


def _fail(case: Case, error) -> object:
    flash(message(error.code, error.params), "error")
    return redirect(url_for("review.show", case_id=case.id), code=303)


@bp.route("/")
@supervisor_only
def index():
    """Cases under review, overdue cases, late and conflicting submissions, team workload."""
    office = current_user.office_id
    today = local_today()  # the office's day, as the case list's overdue filter and badge
    queue = queries.queue(office, today)
    parts = queue.parts
    audit.record_list_read(
        _actor(), audit.REVIEW_QUEUE, {}, sum(parts.values()), parts=parts, scope={"office": office}
    )
    return render_template(
        "review/index.html", **vars(queue), labels=labels.for_reader(), today=today
    )


@bp.route("/cases/<int:case_id>")
@supervisor_only
def show(case_id):
    """All the evidence of a case, and the decision."""
    case = _case_or_404(case_id)
    cases.record_read(_actor(), case)
    return render_template(
        "review/show.html",
        case=case,
        **vars(queries.evidence(case)),
        family_comparison=family.compare_case(case),
        seen_elsewhere=queries.seen_elsewhere(case),
        on_hold=queries.on_hold(case),
        labels=labels.for_reader(),
        message=message,
        json=json,
        refusal_labels=REFUSAL_LABELS,
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
    decision = queries.refusal(case)
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
