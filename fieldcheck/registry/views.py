"""Routes of the registry blueprint."""

import json
from datetime import timedelta

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fieldcheck import audit, labels
from fieldcheck.accounts import Actor
from fieldcheck.clock import utcnow
from fieldcheck.domain import roles
from fieldcheck.errors import message
from fieldcheck.limits import FORM_ALLOWANCE, body_limit
from fieldcheck.models import Case, Office, RegistryQuestion
from fieldcheck.pages import render
from fieldcheck.registry import bp, service
from fieldcheck.security import client_address, roles_required

clerk = roles_required(roles.REGISTRY)

PAGE = 50

# Bounds of what the queue's filters take from a URL (a larger number is read as these).
MAX_AGE_DAYS = 36_500
MAX_PAGE = 100_000


def _actor() -> Actor:
    return Actor(current_user._get_current_object(), utcnow(), client_address())


def _scoped():
    return (
        RegistryQuestion.select(RegistryQuestion, Case, Office)
        .join(Case)
        .join(Office)
        .where(service.clerk_scope(current_user))
    )


def _regions() -> dict:
    """The clerk's regions, as the audit event of a list of their questions names its scope."""
    return {"regions": current_user.region_codes()}


def _question_or_404(question_id: int) -> RegistryQuestion:
    question = _scoped().where(RegistryQuestion.id == question_id).first()
    if question is None:
        abort(404)
    return question


def _filtered(args):
    """The queue's status, its query, and its filters as parsed (for the audit event: the
    application number only as given, since the box takes whatever is typed in it)."""
    status = "answered" if args.get("status") == "answered" else "open"
    filters = {"status": status}
    query = _scoped().where(RegistryQuestion.status == status)
    number = args.get("case", "").strip().upper()
    if number:
        query = query.where(Case.application_number == number)
        filters["application_number"] = "given"
    office = args.get("office", "")
    if office.isdigit():
        query = query.where(Case.office == int(office))
        filters["office"] = int(office)
    if args.get("priority") in labels.PRIORITIES:
        query = query.where(Case.priority == args["priority"])
        filters["priority"] = args["priority"]
    age = args.get("age", "")
    if age.isdigit():
        days = min(int(age), MAX_AGE_DAYS)  # older than a century is as old as it gets
        query = query.where(RegistryQuestion.created_at <= utcnow() - timedelta(days=days))
        filters["age"] = days
    order = (
        (RegistryQuestion.created_at.asc(), RegistryQuestion.id)
        if status == "open"
        else (RegistryQuestion.answered_at.desc(), RegistryQuestion.id.desc())
    )
    return status, query.order_by(*order), filters


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
    status, query, filters = _filtered(request.args)
    given = request.args.get("page", "")
    page = min(max(1, int(given)), MAX_PAGE) if given.isdigit() else 1
    questions = list(query.limit(PAGE + 1).offset((page - 1) * PAGE))
    shown = questions[:PAGE]
    audit.record_list_read(
        _actor(), audit.REGISTRY_QUEUE, filters, len(shown), page=page, scope=_regions()
    )
    offices = Office.select().order_by(Office.name)
    return render(
        "registry/index.html",
        None,
        **_context(
            questions=shown,
            has_next=len(questions) > PAGE,
            page=page,
            status=status,
            offices=offices,
            args=request.args,
        ),
    )


@bp.route("/print")
@clerk
def printable():
    """The open questions as a list to take to the paper records."""
    _, query, filters = _filtered({**request.args, "status": "open"})
    questions = list(query.limit(2000))
    audit.record_list_read(
        _actor(), audit.REGISTRY_PRINT, filters, len(questions), scope=_regions()
    )
    return render("registry/print.html", None, **_context(questions=questions))


@bp.route("/questions/<int:question_id>/answer", methods=["POST"])
@clerk
def answer(question_id):
    question = _question_or_404(question_id)
    verdict = request.form.get("answer", "")
    error = None
    if request.form.get("confirm") == "suggestion" and question.suggestion:
        suggestion = json.loads(question.suggestion)
        verdict = suggestion["answer"]
        registry_value = suggestion.get("registry_value")
        note = suggestion.get("note", "")
    else:
        registry_value = request.form.get("registry_value")
        note = request.form.get("note", "")
    try:
        service.answer(_actor(), question, verdict, registry_value, note)
    except service.RegistryError as failure:
        error = str(ERRORS.get(failure.code, failure.code))
    question = _question_or_404(question_id)
    if request.headers.get("HX-Request"):
        return render(
            "registry/_question.html",
            "registry/_question.html",
            **_context(q=question, error=error),
        ), (422 if error else 200)
    flash(error or _("Answer saved."), "error" if error else "success")
    return redirect(url_for("registry.index", **request.args), code=303)


ERRORS = {
    "answer_invalid": _l("Choose match, mismatch or not found."),
    "registry_value_required": _l("For a mismatch, write what the registry holds."),
}


# --- registry extracts and the family card ----------------------------------------------------

extract_loaders = roles_required(roles.REGISTRY, roles.ADMIN)
family_readers = roles_required(roles.REGISTRY, roles.SUPERVISOR, roles.INTAKE)


@bp.route("/extracts", methods=["GET", "POST"])
@body_limit("REGISTRY_EXTRACT_MAX_BYTES", extra=FORM_ALLOWANCE)
@extract_loaders
def extracts_page():
    """Load a registry extract (CSV): bad rows by line, pre-answers for the open questions."""
    from werkzeug.utils import secure_filename

    from fieldcheck.models import RegistryExtract
    from fieldcheck.registry import extracts

    regions = extracts.loader_regions(current_user)
    result, status = None, 200
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Choose a CSV file."), "error")
            status = 422
        else:
            actor = _actor()
            result = extracts.load(
                actor, secure_filename(upload.filename)[:120], upload.read(), regions
            )
            if result.parsed.file_error or result.extract is None:
                status = 422
    loaded = (
        RegistryExtract.select()
        .where(RegistryExtract.loaded_by == current_user.id)
        .order_by(RegistryExtract.loaded_at.desc(), RegistryExtract.id.desc())
    )
    return render(
        "registry/extracts.html",
        None,
        result=result,
        loaded=list(loaded),
        regions=regions,
        columns=extracts.COLUMNS,
        answers=labels.REGISTRY_ANSWERS,
    ), status


def _family_case_or_404(case_id: int) -> Case:
    """A case the user may see here: a clerk's when its district lies in their regions, office
    staff's when it is their office's."""
    case = Case.get_or_none(Case.id == case_id)
    if case is None:
        abort(404)
    if current_user.role == roles.REGISTRY:
        district = case.district_code or service._district(case.kk, case.application_date, None)
        regions = current_user.region_codes()
        if not district or not any(district == r or district.startswith(r + ".") for r in regions):
            abort(404)
    elif case.office_id != current_user.office_id:
        abort(404)
    return case


FAMILY_STATUS_LABELS = {
    "match": _l("Matches the card"),
    "missing_on_card": _l("Not on the card"),
    "not_recorded": _l("On the card, not recorded"),
    "relationship_differs": _l("Relationship differs"),
    "birth_date_differs": _l("Birth date differs"),
}


@bp.route("/cases/<int:case_id>/family", methods=["GET", "POST"])
@family_readers
def family_page(case_id):
    """The family tree recorded in the field beside the family card, and their differences."""
    from fieldcheck.audit import CASE_READ
    from fieldcheck.domain import family as family_rules
    from fieldcheck.registry import family

    case = _family_case_or_404(case_id)
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
        statuses=FAMILY_STATUS_LABELS,
        shdk=family_rules.shdk_code,
        relation_labels=labels,
    )
