"""Routes of the recruiters blueprint: the list, a recruiter's page with its network, an
agency's page. The office desks and the headquarters analyst read them; only the reader's own
office's cases show their applicant (fieldcheck.recruiters.queries)."""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from fieldcheck import audit, labels
from fieldcheck.accounts import Actor
from fieldcheck.clock import utcnow
from fieldcheck.domain import roles
from fieldcheck.recruiters import bp, network, queries, service
from fieldcheck.security import client_address, roles_required

readers = roles_required(roles.ADMIN, roles.INTAKE, roles.SUPERVISOR, roles.ANALYST)


def _actor() -> Actor:
    return Actor(current_user._get_current_object(), utcnow(), client_address())


@bp.route("/")
@readers
def index():
    """Recruiters by how many cases name them: counts, never an applicant."""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, has_next = queries.recruiter_list(page)
    audit.record_list_read(_actor(), audit.RECRUITER_LIST, {}, len(rows), page=page)
    return render_template("recruiters/index.html", rows=rows, page=page, has_next=has_next)


@bp.route("/<int:recruiter_id>")
@readers
def show(recruiter_id):
    """A recruiter: who, the cases that name them, their network drawn and as a table."""
    found = queries.recruiter(recruiter_id)
    if found is None:
        abort(404)
    if found.id != recruiter_id:  # merged into another: that one's page
        return redirect(url_for("recruiters.show", recruiter_id=found.id), code=301)
    page = queries.recruiter_page(current_user._get_current_object(), found)
    service.record_read(_actor(), ("recruiter", found.id), page.rows, page.victims)
    case_urls = _case_urls(page.rows)
    return render_template(
        "recruiters/show.html",
        page=page,
        case_urls=case_urls,
        drawing=network.drawing(page, case_urls),
        labels=labels.for_reader(),
    )


@bp.route("/agencies/<int:agency_id>")
@readers
def agency(agency_id):
    """An agency: the recruiters who named it, and the cases that name it."""
    found = queries.agency(agency_id)
    if found is None:
        abort(404)
    page = queries.agency_page(current_user._get_current_object(), found)
    service.record_read(_actor(), ("agency", found.id), page.rows, page.victims)
    return render_template(
        "recruiters/agency.html",
        page=page,
        case_urls=_case_urls(page.rows),
        labels=labels.for_reader(),
    )


def _case_urls(rows) -> dict[int, str]:
    """The address of each case the reader may open (their own office's), made once for the
    table, the drawing and its table."""
    return {row.case_id: url_for("cases.show", case_id=row.case_id) for row in rows if row.own}
