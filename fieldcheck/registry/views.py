"""Routes of the registry blueprint."""

import json

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from fieldcheck import audit, labels
from fieldcheck.accounts import Actor
from fieldcheck.audit import CASE_READ
from fieldcheck.clock import utcnow
from fieldcheck.domain import family as family_rules
from fieldcheck.domain import roles
from fieldcheck.errors import message
from fieldcheck.limits import FORM_ALLOWANCE, body_limit
from fieldcheck.models import RegistryQuestion
from fieldcheck.pages import render
from fieldcheck.registry import bp, extracts, family, queries, service
from fieldcheck.security import client_address, roles_required

clerk = roles_required(roles.REGISTRY)


def _actor() -> Actor:
    return Actor(current_user._get_current_object(), utcnow(), client_address())


def _regions() -> dict:
    """The clerk's regions, as the audit event of a list of their questions names its scope."""
    return {"regions": current_user.region_codes()}


def _question_or_404(question_id: int) -> RegistryQuestion:
    question = queries.clerk_question(current_user, question_id)
    if question is None:
        abort(404)
    return question


def _context(**extra):
    return {
        "kinds": labels.REGISTRY_QUESTIONS,
        "answers": labels.REGISTRY_ANSWERS,
        "labels": labels,
        "json": json,
        "now": utcnow(),
        "message": message,
        **extra,
    }


@bp.route("/")
@clerk
def index():
    """The clerk's queue: open questions of their regions, oldest first, answered inline."""
    f = queries.QueueFilter.from_args(request.args)
    questions, has_next = queries.queue_page(current_user, f, utcnow())
    audit.record_list_read(
        _actor(), audit.REGISTRY_QUEUE, f.for_audit(), len(questions), page=f.page, scope=_regions()
    )
    return render(
        "registry/index.html",
        None,
        **_context(
            questions=questions,
            has_next=has_next,
            page=f.page,
            status=f.status,
            offices=queries.offices(),
            args=request.args,
        ),
    )


@bp.route("/print")
@clerk
def printable():
    """The open questions as a list to take to the paper records."""
    f = queries.QueueFilter.from_args(request.args, status="open")
    questions = queries.printable(current_user, f, utcnow())
    audit.record_list_read(
        _actor(), audit.REGISTRY_PRINT, f.for_audit(), len(questions), scope=_regions()
    )
    return render("registry/print.html", None, **_context(questions=questions))


@bp.route("/questions/<int:question_id>/answer", methods=["POST"])
@clerk
def answer(question_id):
    question = _question_or_404(question_id)
    if request.form.get("confirm") == "suggestion" and question.suggestion:
        given = service.suggested_answer(question)
    else:
        form = request.form
        given = (form.get("answer", ""), form.get("registry_value"), form.get("note", ""))
    error = None
    try:
        service.answer(_actor(), question, *given)
    except service.RegistryError as failure:
        error = message(failure.code, failure.params)
    question = _question_or_404(question_id)
    if request.headers.get("HX-Request"):
        return render(
            "registry/_question.html",
            "registry/_question.html",
            **_context(q=question, error=error),
        ), (422 if error else 200)
    flash(error or _("Answer saved."), "error" if error else "success")
    return redirect(url_for("registry.index", **request.args), code=303)


# --- registry extracts and the family card ----------------------------------------------------

extract_loaders = roles_required(roles.REGISTRY, roles.ADMIN)
family_readers = roles_required(roles.REGISTRY, roles.SUPERVISOR, roles.INTAKE)


@bp.route("/extracts", methods=["GET", "POST"])
@body_limit("REGISTRY_EXTRACT_MAX_BYTES", extra=FORM_ALLOWANCE)
@extract_loaders
def extracts_page():
    """Load a registry extract (CSV): bad rows by line, pre-answers for the open questions."""
    regions = extracts.loader_regions(current_user)
    result, failed = None, False
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(message("extract_no_file"), "error")
            failed = True
        else:
            name = secure_filename(upload.filename)[:120]
            result = extracts.load(_actor(), name, upload.read(), regions)
            failed = result.failed
    return render(
        "registry/extracts.html",
        None,
        result=result,
        loaded=queries.extracts_loaded_by(current_user),
        regions=regions,
        columns=extracts.COLUMNS,
        answers=labels.REGISTRY_ANSWERS,
    ), (422 if failed else 200)


@bp.route("/cases/<int:case_id>/family", methods=["GET", "POST"])
@family_readers
def family_page(case_id):
    """The family tree recorded in the field beside the family card, and their differences:
    for a clerk whose regions hold the case, or its office's staff (queries.may_read_family)."""
    case = queries.family_case(current_user, case_id)
    if case is None:
        abort(404)
    actor = _actor()
    comparison = family.compare_case(case)
    if request.method == "POST":
        if current_user.role != roles.REGISTRY:
            abort(403)
        count = family.record_findings(actor, comparison)
        flash(_("%(count)d difference(s) recorded as findings.", count=count), "success")
        return redirect(url_for("registry.family_page", case_id=case.id), code=303)
    actor.record(CASE_READ, case, {"page": "family_card"})
    return render(
        "registry/family.html",
        None,
        case=case,
        comparison=comparison,
        statuses=labels.FAMILY_STATUSES,
        shdk=family_rules.shdk_code,
        relation_labels=labels,
    )
