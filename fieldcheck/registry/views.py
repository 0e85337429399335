"""Routes of the registry blueprint."""

import json
from datetime import timedelta

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fieldcheck.accounts import Actor
from fieldcheck.cases import labels
from fieldcheck.clock import utcnow
from fieldcheck.domain import roles
from fieldcheck.errors import message
from fieldcheck.models import Case, Office, RegistryQuestion
from fieldcheck.registry import bp, service
from fieldcheck.security import client_address, roles_required
from fieldcheck.views import render

clerk = roles_required(roles.REGISTRY)

KIND_LABELS = {
    "nik_identity": _l("Is this NIK this person, born on this date?"),
    "kk_membership": _l("Are these people on this family card, with these relationships?"),
    "birth_certificate": _l("Does this birth certificate exist?"),
    "member_identity": _l("Is this family member's NIK this person, with this relationship?"),
}
ANSWER_LABELS = {"match": _l("Match"), "mismatch": _l("Mismatch"), "not_found": _l("Not found")}
PAGE = 50


def _actor() -> Actor:
    return Actor(current_user._get_current_object(), utcnow(), client_address())


def _scoped():
    return (
        RegistryQuestion.select(RegistryQuestion, Case, Office)
        .join(Case)
        .join(Office)
        .where(service.clerk_scope(current_user))
    )


def _question_or_404(question_id: int) -> RegistryQuestion:
    question = _scoped().where(RegistryQuestion.id == question_id).first()
    if question is None:
        abort(404)
    return question


def _filtered(args):
    status = "answered" if args.get("status") == "answered" else "open"
    query = _scoped().where(RegistryQuestion.status == status)
    office = args.get("office", "")
    if office.isdigit():
        query = query.where(Case.office == int(office))
    if args.get("priority") in labels.PRIORITIES:
        query = query.where(Case.priority == args["priority"])
    age = args.get("age", "")
    if age.isdigit():
        query = query.where(RegistryQuestion.created_at <= utcnow() - timedelta(days=int(age)))
    order = (
        (RegistryQuestion.created_at.asc(), RegistryQuestion.id)
        if status == "open"
        else (RegistryQuestion.answered_at.desc(), RegistryQuestion.id.desc())
    )
    return status, query.order_by(*order)


def _context(**extra):
    return {
        "kinds": KIND_LABELS,
        "answers": ANSWER_LABELS,
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
    status, query = _filtered(request.args)
    page = max(1, int(request.args["page"])) if request.args.get("page", "").isdigit() else 1
    questions = list(query.limit(PAGE + 1).offset((page - 1) * PAGE))
    offices = Office.select().order_by(Office.name)
    return render(
        "registry/index.html",
        None,
        **_context(
            questions=questions[:PAGE],
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
    _, query = _filtered({**request.args, "status": "open"})
    return render("registry/print.html", None, **_context(questions=list(query.limit(2000))))


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
