"""Routes of the cases blueprint: list and search, intake, the case page, assignment."""

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_template,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from fieldcheck import audit, labels
from fieldcheck.accounts import Actor
from fieldcheck.cases import bp, importer, query, service
from fieldcheck.cases.forms import AssignForm, CancelForm, CaseForm, ImportForm
from fieldcheck.clock import utcnow
from fieldcheck.domain import case_states, roles
from fieldcheck.errors import message
from fieldcheck.i18n import local_today, medium_date
from fieldcheck.limits import FORM_ALLOWANCE, body_limit, too_large
from fieldcheck.models import Case
from fieldcheck.pages import render
from fieldcheck.recruiters import queries as recruiter_queries
from fieldcheck.security import client_address, roles_required

readers = roles_required(roles.INTAKE, roles.SUPERVISOR, roles.ADMIN, roles.FIELD)
desk = roles_required(roles.INTAKE, roles.SUPERVISOR)


def _actor() -> Actor:
    return Actor(current_user._get_current_object(), utcnow(), client_address())


def _case_or_404(case_id: int) -> Case:
    """A case the user may see; any other is a 404, so its existence is not revealed."""
    case = query.visible_case(current_user, case_id)
    if case is None:
        abort(404)
    return case


@bp.route("", methods=["GET", "POST"])
@readers
def index():
    """The case list: filters by GET or POST; the search text only ever by POST. Every showing
    of it is audited: a search as case.search, any other as case.list."""
    searching = request.method == "POST"
    source = request.form if searching else request.args
    f = query.CaseFilter.from_form(source, today=local_today(), search=searching)
    cases, has_next = query.case_list(current_user, f)
    _record_shown(f, len(cases))
    _show_in_words(cases)
    return render(
        "cases/index.html",
        "cases/_results.html",
        cases=cases,
        f=f,
        has_next=has_next,
        teams=query.office_teams(current_user.office),
        labels=labels.for_reader(),
        states=case_states.STATES,
    )


def _record_shown(f: query.CaseFilter, rows: int):
    """Audit the list shown: a search keeps its text (who looked for whom, sent by POST); any
    other showing its filters, sort, page and the scope the rows were drawn from."""
    if f.q:
        service.record_search(_actor(), f.q, f.as_dict(), rows)
        return
    _, scope = query.scope_of(current_user)
    audit.record_list_read(
        _actor(), audit.CASE_LIST, f.as_dict(), rows, sort=f.sort, page=f.page, scope=scope
    )


def _show_in_words(rows: list):
    """Give each row of the list what it shows in the reader's words, and its link: worked out
    here once for the page, where the template would call a lookup for every cell."""
    states, risks = labels.in_words(labels.STATES), labels.in_words(labels.RISK_LEVELS)
    countries = labels.country_names()
    language, today = str(get_locale()), local_today()
    for row in rows:
        row.href = url_for("cases.show", case_id=row.id)
        row.overdue = case_states.overdue(row.state, row.due_date, today)
        row.state_word = states[row.state]
        row.risk_word = risks[row.risk_level]
        row.destination = countries.get(row.destination_country, row.destination_country)
        row.applied_on = medium_date(row.application_date, language)
        row.due_on = medium_date(row.due_date, language) if row.due_date else "—"


@bp.route("/new", methods=["GET", "POST"])
@desk
def new():
    form = CaseForm()
    if request.method == "GET":
        form.application_date.data = local_today()
    if form.validate_on_submit():
        try:
            case = service.create_case(_actor(), current_user.office, form.data_for_case())
        except service.CaseError as error:
            target = form.application_number if error.code == "duplicate_application" else form.nik
            target.errors = [*target.errors, message(error.code, error.params)]
        else:
            flash(
                _("Case created for application %(number)s.", number=case.application_number),
                "success",
            )
            if query.on_hold(case):  # issue 16: never why, only that the supervisor must see it
                flash(_("Hold: refer to the supervisor."), "error")
            return redirect(url_for("cases.show", case_id=case.id), code=303)
    return render_template("cases/new.html", form=form, labels=labels.for_reader()), (
        422 if form.errors else 200
    )


@bp.route("/nik-check", methods=["POST"])
@desk
def nik_check():
    """As the NIK is typed: what it decodes to, and where it disagrees with the form."""
    form = CaseForm()
    on = form.application_date.data or local_today()
    nik_text = request.form.get("nik", "")
    check = None
    if nik_text.strip():
        check = service.check_identity(
            nik=nik_text,
            sex=request.form.get("sex") or None,
            birth_date=form.birth_date.data
            if form.birth_date.raw_data and form.birth_date.validate(form)
            else None,
            marital_status=request.form.get("marital_status") or None,
            office=current_user.office,
            on=on,
        )
    return render_template(
        "cases/_nik.html", check=check, message=message, labels=labels.for_reader(), on=on
    )


@bp.route("/<int:case_id>")
@readers
def show(case_id):
    case = query.case_page(current_user, case_id, _actor())  # its opening audited with it
    if case is None:
        abort(404)
    actions = case_states.allowed_actions(case.state, current_user.role)
    assignable = "assign" in actions or "reassign" in actions
    supervisor = current_user.role == roles.SUPERVISOR  # issue 16: others see only the hold
    return render_template(
        "cases/show.html",
        case=case,
        **query.case_page_details(case),
        named=recruiter_queries.named_in_case(case.id),
        seen_elsewhere=query.seen_elsewhere(case) if supervisor else [],
        on_hold=query.on_hold(case),
        labels=labels.for_reader(),
        message=message,
        assign_form=_assign_form(case) if assignable else None,
        cancel_form=CancelForm() if "cancel" in actions else None,
        actions=actions,
        overdue=case_states.overdue(case.state, case.due_date, local_today()),
    )


def _assign_form(case: Case) -> AssignForm:
    form = AssignForm()
    whom = query.assignable(case.office_id)
    form.team.choices = [(str(team_id), name) for team_id, name in whom.teams]
    form.officer.choices = [("", _("Any officer of the team"))] + [
        (str(officer_id), f"{name} — {team}") for officer_id, name, team in whom.officers
    ]
    if request.method == "GET":
        form.team.data = str(case.team_id or "")
        form.officer.data = str(case.officer_id or "")
    return form


@bp.route("/<int:case_id>/assign", methods=["POST"])
@desk
def assign(case_id):
    case = _case_or_404(case_id)
    form = _assign_form(case)
    if form.validate_on_submit():
        officer_id = int(form.officer.data) if form.officer.data else None
        team, officer = query.assignment(case.office_id, int(form.team.data), officer_id)
        try:
            service.assign(_actor(), case, team, officer, reason=form.reason.data or None)
        except service.CaseError as error:
            flash(message(error.code, error.params), "error")
        else:
            flash(_("Case assigned to %(team)s.", team=team.name), "success")
    else:
        flash(_("Choose a team."), "error")
    return redirect(url_for("cases.show", case_id=case.id), code=303)


@bp.route("/<int:case_id>/cancel", methods=["POST"])
@desk
def cancel(case_id):
    case = _case_or_404(case_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            service.cancel(_actor(), case, form.reason.data)
        except service.CaseError as error:
            flash(message(error.code, error.params), "error")
        else:
            flash(_("Case cancelled."), "success")
    else:
        flash(_("Give a reason for cancelling."), "error")
    return redirect(url_for("cases.show", case_id=case.id), code=303)


@bp.route("/import", methods=["GET", "POST"])
@body_limit("IMPORT_MAX_BYTES", extra=FORM_ALLOWANCE)
@desk
def import_csv():
    """Check an export (dry run) or import it: every valid row, or nothing if any row is bad."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, report=None), (422 if form.errors else 200)
    caps = importer.Caps.from_config(current_app.config)
    words = importer.messages(caps)
    report = importer.parse(form.file.data.stream, current_user.office_id, words, caps)
    dry_run = "check" in request.form
    blocked = report.file_error or (form.mode.data == "all_or_nothing" and report.problems)
    if dry_run or blocked or not report.valid:
        return _import_page(form, report=report, dry_run=dry_run, blocked=blocked)
    filename = secure_filename(form.file.data.filename or "export.csv")[:64]
    steps = importer.import_rows(_actor(), current_user.office, report, filename)
    return stream_template("cases/import_run.html", report=report, steps=steps)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    """An upload over the cap is refused before it is read: the import page says so."""
    if request.endpoint != "cases.import_csv":
        return too_large(error)
    words = importer.messages(importer.Caps.from_config(current_app.config))
    report = importer.ParsedFile(file_error=words["too_big"])
    form = ImportForm(formdata=None)  # the body that was refused is never read
    return _import_page(form, report=report), 413


def _import_page(form: ImportForm, **context) -> str:
    """The import page, with the file's columns and the codes each coded column takes."""
    return render_template(
        "cases/import.html",
        form=form,
        columns=importer.COLUMNS,
        codes=importer.coded_columns(),
        **context,
    )
