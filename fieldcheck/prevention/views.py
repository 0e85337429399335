"""Routes of the prevention list: headquarters administrators keep the list; an office's
supervisor opens and handles a hit on one of the office's cases."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from fieldcheck import labels
from fieldcheck.clock import utcnow
from fieldcheck.domain import roles, watch
from fieldcheck.errors import message
from fieldcheck.i18n import local_today
from fieldcheck.limits import FORM_ALLOWANCE, body_limit
from fieldcheck.prevention import bp, importer, queries, service
from fieldcheck.prevention.forms import ConfirmForm, EntryForm, HandleForm, ImportForm
from fieldcheck.security import headquarters_only, office_staff, request_actor

supervisor_only = office_staff(roles.SUPERVISOR)


def _entry_or_404(entry_id: int):
    entry = queries.entry(entry_id)
    if entry is None:
        abort(404)
    return entry


@bp.route("/")
@headquarters_only
def index():
    """The whole list (its reading audited), each entry's validity on today."""
    entries = queries.entries()
    service.record_list_shown(request_actor(), len(entries))
    return render_template(
        "prevention/index.html", entries=entries, today=local_today(), in_force=watch.in_force
    )


@bp.route("/new", methods=["GET", "POST"])
@headquarters_only
def new():
    form = EntryForm()
    if form.validate_on_submit():
        try:
            service.add_entry(request_actor(), form.values())
        except service.PreventionError as error:
            form.show(error.problems)
        else:
            flash(_("Added to the prevention list."), "success")
            return redirect(url_for("prevention.index"), code=303)
    return render_template("prevention/entry.html", form=form, entry=None), (
        422 if form.errors else 200
    )


@bp.route("/<int:entry_id>", methods=["GET", "POST"])
@headquarters_only
def edit(entry_id):
    """An entry's page (its opening audited), to change it or take it off the list."""
    entry = _entry_or_404(entry_id)
    form = EntryForm(obj=entry)
    if request.method == "GET":
        service.record_entry_read(request_actor(), entry)
    elif form.validate_on_submit():
        try:
            changed = service.update_entry(request_actor(), entry, form.values())
        except service.PreventionError as error:
            form.show(error.problems)
        else:
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("prevention.edit", entry_id=entry.id), code=303)
    return render_template(
        "prevention/entry.html", form=form, entry=entry, remove_form=ConfirmForm()
    ), (422 if form.errors else 200)


@bp.route("/<int:entry_id>/remove", methods=["POST"])
@headquarters_only
def remove(entry_id):
    entry = _entry_or_404(entry_id)
    if ConfirmForm().validate_on_submit():
        service.remove_entry(request_actor(), entry)
        flash(_("Taken off the prevention list: it matches no one from now on."), "success")
    return redirect(url_for("prevention.index"), code=303)


@bp.route("/import", methods=["GET", "POST"])
@body_limit("IMPORT_MAX_BYTES", extra=FORM_ALLOWANCE)
@headquarters_only
def import_csv():
    """Check a CSV file of entries, or load it: every line, or nothing when one is bad."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, None), (422 if form.errors else 200)
    caps = importer.csvload.Caps.from_config(current_app.config)
    report = importer.parse(form.file.data.stream, caps, local_today())
    if "check" in request.form or report.file_error or report.problems or not report.valid:
        return _import_page(form, report, dry_run="check" in request.form)
    name = secure_filename(form.file.data.filename or "entries.csv")[:64]
    added = service.load_entries(request_actor(), report.valid, name)
    flash(_("%(num)d entries added to the prevention list.", num=added), "success")
    return redirect(url_for("prevention.index"), code=303)


def _import_page(form, report, dry_run=False):
    return render_template(
        "prevention/import.html",
        form=form,
        report=report,
        dry_run=dry_run,
        columns=importer.COLUMNS,
    )


def _hit_or_404(hit_id: int):
    hit = queries.office_hit(current_user.office_id, hit_id)
    if hit is None:
        abort(404)
    return hit


@bp.route("/hits/<int:hit_id>", methods=["GET", "POST"])
@supervisor_only
def hit(hit_id):
    """A hit on one of the office's cases: who asked for the person to be watched, and why
    (its opening audited); handled with a note, it no longer holds the case."""
    found = _hit_or_404(hit_id)
    form = HandleForm()
    if request.method == "GET":
        service.record_hit_read(request_actor(), found)
    elif form.validate_on_submit():
        try:
            service.handle_hit(request_actor(), found, form.note.data)
        except service.PreventionError as error:
            form.note.errors = [message(code, params) for _, code, params in error.problems]
        else:
            flash(_("The hit is handled."), "success")
            return redirect(url_for("cases.show", case_id=found.case_id), code=303)
    return render_template(
        "prevention/hit.html", hit=found, form=form, labels=labels.for_reader(), now=utcnow()
    ), (422 if form.errors else 200)
