"""Routes of the repatriated victims: headquarters loads partner agencies' files; the issuing
office's supervisors and administrators see its records, and a supervisor reviews a record
whose passport followed a verified field check."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from fieldcheck import labels
from fieldcheck.domain import roles, watch
from fieldcheck.errors import message
from fieldcheck.i18n import local_today
from fieldcheck.limits import FORM_ALLOWANCE, body_limit
from fieldcheck.repatriation import bp, importer, queries, service
from fieldcheck.repatriation.forms import LoadForm, ReviewForm
from fieldcheck.security import headquarters_only, office_staff, request_actor

office_readers = office_staff(*roles.REPATRIATION_READERS)


def _record_or_404(record_id: int):
    record = queries.office_record(current_user.office_id, record_id)
    if record is None:
        abort(404)
    return record


@bp.route("/")
@office_readers
def index():
    """The office's records, the latest return first (their showing audited)."""
    page = max(1, request.args.get("page", 1, type=int))
    rows, has_next = queries.office_records(current_user.office_id, page)
    service.record_list_shown(request_actor(), current_user.office_id, len(rows), page)
    return render_template(
        "repatriation/index.html",
        rows=rows,
        page=page,
        has_next=has_next,
        labels=labels.for_reader(),
    )


@bp.route("/<int:record_id>")
@office_readers
def show(record_id):
    """A record beside the field check that preceded the passport (its opening audited)."""
    record = _record_or_404(record_id)
    service.record_read(request_actor(), record)
    return _record_page(record, ReviewForm())


def _record_page(record, form):
    return render_template(
        "repatriation/show.html",
        record=record,
        check=queries.field_check(record),
        form=form,
        labels=labels.for_reader(),
        exploitation=labels.in_words(labels.EXPLOITATION),
    )


@bp.route("/<int:record_id>/review", methods=["POST"])
@office_staff(roles.SUPERVISOR)
def review(record_id):
    record = _record_or_404(record_id)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            service.review(request_actor(), record, form.note.data)
        except service.RepatriationError as error:
            form.note.errors = [message(code, params) for _, code, params in error.problems]
        else:
            flash(_("Reviewed: the record leaves the review queue."), "success")
            return redirect(url_for("review.index"), code=303)
    return _record_page(record, form), 422


@bp.route("/loads")
@headquarters_only
def loads():
    """The files loaded so far (no personal data: counts only)."""
    return render_template("repatriation/loads.html", loads=queries.loads())


@bp.route("/load", methods=["GET", "POST"])
@body_limit("IMPORT_MAX_BYTES", extra=FORM_ALLOWANCE)
@headquarters_only
def load():
    """Check a partner agency's file, or load it: every record, or none when a line is bad."""
    form = LoadForm()
    if not form.validate_on_submit():
        return _load_page(form, None), (422 if form.errors else 200)
    caps = importer.csvload.Caps.from_config(current_app.config)
    offices = queries.office_codes()
    report = importer.parse(form.file.data.stream, caps, local_today(), offices)
    if "check" in request.form or report.file_error or report.problems or not report.valid:
        return _load_page(form, report, dry_run="check" in request.form)
    name = secure_filename(form.file.data.filename or "repatriated.csv")[:64]
    batch = service.load_records(request_actor(), report.valid, name, form.source_agency.data)
    flash(
        _(
            "%(rows)d records loaded, %(matched)d of them matched to a case of the issuing office.",
            rows=batch.rows,
            matched=batch.matched,
        ),
        "success",
    )
    return redirect(url_for("repatriation.loads"), code=303)


def _load_page(form, report, dry_run=False):
    return render_template(
        "repatriation/load.html",
        form=form,
        report=report,
        dry_run=dry_run,
        columns=importer.COLUMNS,
        exploitation=watch.EXPLOITATION,
    )
